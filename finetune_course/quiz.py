"""The review quiz: multiple-choice questions over the whole course, each answer explained.

``show(question_id)`` prints a question; ``check(question_id, answer)`` says whether the answer is
right and why, and explains a wrong choice (raising ``checks.ExerciseCheckError``, so a graded
cell counts it as failed). Every explanation points to the lesson that measured it.

The answer key is not stored in the clear, so that a learner cannot read it from the kernel
(``quiz.QUESTIONS[id]`` has no ``answer``): each question keeps a salted SHA-256 digest of its
right letter, and its explanations are sealed with a key derived from that letter, opened only
by :func:`check`. That hides the key from reading, not from effort: with four choices anyone can
try them all, as with any self-check. The graded quiz (nbgrader) keeps its key out of the
learner's copy altogether. The key and the explanations in the clear live in the maintainers'
tests (``tests/quiz_key.py``), which rebuild this file's sealed data with :func:`seal`.
"""
from __future__ import annotations

import base64
import hashlib
import json
from typing import NamedTuple

from .checks import ExerciseCheckError

_SALT = "finetune-course quiz v1"


class Question(NamedTuple):
    text: str
    choices: dict[str, str]
    answer_digest: str   # _digest(question id, right letter)
    sealed_why: str      # one explanation per choice, sealed with the right letter (see seal)


def _digest(question_id: str, letter: str) -> str:
    return hashlib.sha256(f"{_SALT}|answer|{question_id}|{letter}".encode()).hexdigest()


def _keystream(question_id: str, letter: str, size: int) -> bytes:
    blocks, counter = [], 0
    while sum(map(len, blocks)) < size:
        blocks.append(hashlib.sha256(f"{_SALT}|why|{question_id}|{letter}|{counter}".encode()).digest())
        counter += 1
    return b"".join(blocks)[:size]


def seal(question_id: str, answer: str, why: dict[str, str]) -> tuple[str, str]:
    """(answer digest, sealed explanations) for a question whose right letter is ``answer``: what
    ``Question.answer_digest`` and ``Question.sealed_why`` hold (maintainers: tests/quiz_key.py)."""
    plain = json.dumps(why, sort_keys=True).encode()
    mixed = bytes(a ^ b for a, b in zip(plain, _keystream(question_id, answer, len(plain))))
    return _digest(question_id, answer), base64.b64encode(mixed).decode()


def _unseal(question_id: str, answer: str, sealed: str) -> dict[str, str]:
    mixed = base64.b64decode(sealed)
    plain = bytes(a ^ b for a, b in zip(mixed, _keystream(question_id, answer, len(mixed))))
    return json.loads(plain)


QUESTIONS: dict[str, Question] = {
    'why_lower_lr': Question(
        "Why is the pretrained base fine-tuned at a learning rate about 10x lower than the new head's?",
        {'A': "Keras refuses to train an unfrozen base at the head's rate.",
         'B': 'Its weights are already good; large steps overwrite what it learned (catastrophic forgetting).',
         'C': 'A lower rate makes each epoch faster.',
         'D': "Adam turns the loss NaN at the head's rate."},
        'adda2dae5c868e651dca849a217be5e364ebdb9796433766f07d0626668456d8',
        ('70XAHySX2c21VWqJ7SdZqVuTDrMiZggZHMFtuHagvVaSvIyqG096q2qh1OUBmmgidJpAiyAkO1e5ohb1g6Ir6B3rpSFAC8ua'
         'LN6ahrnf5IrC/faWqX/ySnJmi1THxdPjBHLpYyCHaJJmNfZr5SGtaRvAEoB3WYJ3w1Z49EFKm2hWlZvwIWTWQrxNCQy0OBQ4'
         '+kfSVHi6C7yG48EjO/jW/ptZvutevuuEjIZ2S2CtINz6if52wSVPRKN6yJnGcP4TgnPcUEJennYfWPCCWoPe8LsVaWOfG5Ww'
         'eG5dynX3cVIupFHj7KUlnWeQuaS1+/kKIMFWGONVDCByfduz9Hm4VhcjsQU2U9WEhbFhxekYdCF5q3r9NCLCRZSqIxAyY9Zu'
         'KZHtS+xdTogqVoP9ie8hZrdfXb10kJtG63KlyFngW+WqWn0b8Q6Jlp5hdZ0lxEdyevOUkUeFUK3OCrW846C9v/V3hryNfaCL'
         'Nh8d5KBuY4GzUNy8fw3U0ySfkmPxI5p4L703KsK/JeWOPj/QgcRCPsjnbZJVTejOoT+/31o9BAdAnmqkk0qvdesOUNCwgltH'
         'f2Sk0IqoE4jtGRmaZGIExOJxtkpiHXg3zevx/myMqzHLvbmdErUtOHaAihajLkHU5htFYjZq7kAoWHi7VSudzTitdfBcQgtn'
         'YadVyulxg/ybAeZu2fXNrh5IlGjrC4PG+1Q4RQ8yZuPp')),
    'staircase_values': Question(
        'schedule = keras.optimizers.schedules.ExponentialDecay(0.001, decay_steps=1000, decay_rate=0.96, staircase=True); optimizer = keras.optimizers.Adam(learning_rate=schedule). In Keras 3, what does [float(optimizer.learning_rate(step)) for step in (0, 1000, 2000, 3000)] give?',
        {'A': '0.001, 0.00096, 0.0009216, 0.000884736',
         'B': 'A TypeError: with a schedule, optimizer.learning_rate is the current rate (a tensor), not a function; schedule(step) gives the values.',
         'C': '0.001, 0.00096, 0.00092, 0.00088',
         'D': '0.001, 0.001, 0.001, 0.001'},
        'd11eb7fcaa0d52a7faf52217d01c7c4825899bab788ba8a1898cd611ebab828c',
        ('fll9wEjOdyDBxm28iRuEMI9JO07DBTtzB83tMCobvcilK7bBc8eBM7+vkg2b6Do5MYjf3QMIyCR9YjK24FmCP+/1SNeqZaPo'
         'PVdZXW9exsrtuKDPhlLduB0lWUEcqKz4erWQom7sVYuCqn7LvnaOgzhEdIbYkf4jQJGa+WA5cyHISV8Wt57oNjK67cWWYV2S'
         'Ba5ZgoPajgzUlRJuauKj9tsgDZC24vTOPE3f3nu55uNJj0Fd+vw1NcO3IvuooRcmDqxiJk9TpCB+5K/TW1byrmM9o/e6fNTk'
         'Cqm+K7smOKcMID9N4Mv9FLCuy8DxGtBxJfN0SYZJt1w5ydZ/1B4z3RrJy3e7VzMlxPM0MXhKI5NbNvDTVX+Fk3/9KWvoFIRI'
         'gTRchAw2cF7pFNyT0l0fVKIE50BZ+xLDsCm6pbl0BqroHgI/snFwrYgs+VjXpaos8MogNSc73EJTZdgu4rpxCpX+Hjr8zzIv'
         'TfsC/CL8pgxCcJ8eEa4Ob5r+K5/zgK4z9xWdLzr1B6geSlA27KrUXlVIwgSvH2Vxz5lojD9/UVo/fS68InWvsV0/ZCRKhxnq'
         'X9ogvPD12Lm+AqHY0a6SWoOntAPzrsnx5GwrVNO/3sDVox2axnOkNQGbifJZGddOJ0WpkU7aYR+zeCrMOE33EyZpXRO40tkt'
         'HG7Ir/6cLki7incjOyE1A7dIUwrzQd5IH6EwajhkC2d/LMmZ8Me6KGGc5idsqpHSs97HXgk84K+YJRuBbd5dUzqAgNy9VYBc'
         'x/V2o9+hUJD0ps1OAR8v9MIy/tWNhxCIpR8FJpS/X4n8fnuSSb0Yffk10iUwFdwKtUJQAxRIfEaJVN2YDXMw8TiUzXFLpOc+'
         'eeeHXbkUJH37/sNWzM578qNm2GqSHdOuoKX+pDXWsnVSg9y15tih+1E/g/T5qdvxCXEEdnlDqPnypx3hzhg5DdTohxuBi/e5'
         'JAOf7o+czpnW4ozOCiVapizv3JTmWM08N4swaR91Xlwqr0Y/p56/7BLvHAHIi1LU6VO3R4bN+xUBaFGGmEaX/5x61RVwMdWY'
         'tTq+CRheLj4SUxarJEEMz2/XHZ0EJj+Iy7nFttxyLgrjz7+LCL8J8udPHN2DTsbTCrKElCbfA8Ciqx7jvUiRHaqYTQWtsHGY'
         'TS5MEDVOokkZ0PWdNWmVz7Ei19j7ZXF7w5USIgnRQ9pscDTfIsVYMYuvbY/EvbF1+ZVsBeHs5Ru0OiaHF1uI0+KrCRY9FjtM'
         'kyPMXEEE5H4X1raIK6c6oDGM0x1+qPPyti4jRWRwTWOWdEzwW+/XlnMzdRKd2lb9nX7PPNKAKOkqT90TMCUqlOYEQ6l48CiE'
         'sxkInD6kDDcEc5trD81Xeun2cg==')),
    'small_dataset_lr': Question(
        'You fine-tune a large pretrained model on a small dataset with Adam. Which learning rate for the unfrozen base is the sensible start?',
        {'A': '1e-2, so the base adapts quickly to the few examples.',
         'B': 'The same rate that trained the new head.',
         'C': "A small one, about 10x below the head's (e.g. 1e-5 to 1e-4 for large models).",
         'D': 'It does not matter with Adam, which adapts the step size.'},
        'a03cb1875979d5029d2208ebd77951e4654d0dd58bff85ee46f96289d0687766',
        ('JBln44uItJbmnjaX0NL6bXyp8uC86Mf5cWTvKlriTS8m9SOme0+SbRKnmhOkQtrZczeMI7vWrSh2P7k7G/5vGNRdKAVa1+ip'
         'p38skQGHSrdFXI/5cknlmpzYAgKrIcimFld/b+wVH5dXKVmtWoQxYSxhGsir7/uHHoIC3S4wMQ1ggIMikIeCjgcJ3gvhKkRj'
         '+kQsZcCy8nhgvgx7xYqwmc5WYGDYQL59LCWMROL85n5OR/5FQPKrrFwcB8abQAYE2nk8UIvGAfeqg53FIYLzH8J/ILiuvw4Z'
         'YoFbOSLNCMTO/48gVj3jQlqhRqpfcN69Cyop3iRgZbi8RrtK8qOyhbGds18Y+Pf5AQdOlGUnzbY4l44dhSs8NlV5Q86zIhhp'
         '6rTLeZRXsjUUK5OjOW4E18iqR6ZjTnuPRhjs+G7TGZlOHr05T57r8P3bLYq1eBy8NjZCc3h0SSHpRRrm0i/LqivGw2uzTtFS'
         'A2NAOP8LOiX7FRIcQijohbox9o5jTv8snalmGwUE9DkZLQfNFyj7gM6zkcVBCF+i+5VDIdBnYfO48QDb8P2rSJd4+/f9ZDrZ'
         'vNrDDk+zZB6TkLuR8yyoE5eUaIxsPqgHiOCfDO27aA3xZ3jwtUZb8Myhu5WcKFWjn2R2m1Sh8WEmF8QyiHSJJ8DXLIRDZuxO'
         '9c+i1T7XFV3j9wywtUMsUJeLkmnKAC8OPS3iZrjTWxeD8z+QtB79agWRUvXMZSFX7XpXNg==')),
    'train_down_val_up': Question(
        'While fine-tuning, the training loss keeps falling but the validation loss starts rising. What is happening, and what do you do?',
        {'A': 'Underfitting: train longer at a higher learning rate.',
         'B': 'Overfitting: stop at the best validation epoch (EarlyStopping with restore_best_weights=True), or fine-tune less (lower rate, fewer layers), or get more data.',
         'C': 'A bug in the validation data: validation loss cannot rise while training loss falls.',
         'D': 'Nothing to worry about while validation accuracy still rises.'},
        '38aa00ccc0f0df7363511ea8f2f42635e561def05fd289c5d34407a1d79e2bf9',
        ('ikH3Bn7r13YNY8sAcviR43iCFDkzcbOvdYDPOqkIA0tWPuhXTII5vjh2Dbk3/3xAqF4Yk7EfEZ8aBhczFqbs+gu79E8gSlio'
         'S9w8mgC2gX7zckVvV809QeanhPAY0glqh+Mbkoai/4UH/TGxuaJm6Ah2ERqkwl9uWnPZ6qaHRV2CIEGqDA5xuYYAQnRocbdg'
         'taqbCIc5rQZJ1NJfFuIzLnPoz01aIHWGNvssstJIXi7m6rgXdUH43f4EY9zatV3taNrN0PUKlnKTjmE/vgKibabwB8cvweKl'
         'jEZ3iLJ/D61AOMW4LdR3WdMCkBG34D/80ePdLfLRrXTO5mPDqJPrg1OQso8rngGeC4HdfJxUkA+ivisJHSp+Bxf+9ZZTfdst'
         'RdBY2vzUdgfWsz78OHVMkGH5sIRbhquUa2CuLiljXNE++/Hnu2mhJhY6J8Z46DupDTluG9FZ8lsFuzETcF42MBpiWAonlsTt'
         'B6mm/M2UnAbLSY5jQYM+CqyhlnyqjlZnQm6g5g7BkpRqfgbNBoBQOTlyCcEuu/fV4HMvzcTjS6Q6GbPzCH7ngvpJli2J/g69'
         'cyLzBl+zX9wH9J9Ja1tFIvm0pIo30k1yHLRzXIm4yeL2WyJhWki00MVtL9mtasBS6iWo9zoAys0yp7vu7UMyN0NloI03IpN+'
         'A07DBrFJ1spySeX1enMgzqbhneD1938OI7vpmrenwq5k+V0+I/F3Vylx5pg0mpKusV152SnoQc1Sc7eRzA72JXkMrMpL8Tkf'
         'ip/DbDAYL0aSxmW2GEFZAxhBBrsKrP3AZHKZ')),
    'nan_few_batches': Question(
        'You fine-tune a pretrained network with Adam at learning rate 0.01, and the loss turns NaN after a few batches. What is the most likely cause, and what do you check?',
        {'A': "The rate is too high for the loss's curvature: each step overshoots more than the last until the numbers overflow, as with any optimizer.",
         'B': 'Adam always produces NaN at 0.01.',
         'C': 'Adam moves each weight by about the learning rate per step, whatever the gradient, so a few steps at 0.01 rarely overflow by themselves: look for a NaN or inf in the data, a log(0) in a hand-written loss, or float16 overflow; and lower the rate anyway, since 0.01 rewrites a pretrained base.',
         'D': 'The BatchNorm layers were frozen.'},
        'eeb9ca89475eda374e39f62481a46ec1b8b9db8ac9fd6bba90d16cd12d368bf3',
        ('a3EDVoSV0CLoDXf4OM9vXXkmLmdX787OzK7vicLYDJJyeCP5Dfw5k7vwdiNh6BKT06UNKvRdYd86+gqkz4IBQ49JnZFxGofR'
         '3VYlO0UBvg+WG+iSEGAlHmSvyj4+035b44772/8aF9YLop6OTIO87aJkvD0CVZotrAiDtaWcFU8OJrxFaHlXhOrLDpTXj440'
         'AnpK8bxjzDekr0Jjzh+a2xfq5TY+6RS+FqejgEYgHS9aEAMarl7TlEsos4Bu93HAo6qZ0n09Ko1KafhXACQgibBHtk8VoFDA'
         'Z2ZzNAptbsvPrX56SKcPyZ9LPLaWk7eheXf+bWdv667Y4LI5S/0swnKzXc/TtbSnSrC9IwPkf0QU8JDZQiqGLOl3BtrpBJJw'
         'NXRL11lJqoN1RD3YIqJAl4/ISsICYRb+iy9BxX8kZdnKCjXWw7vQT4o+6I4C9ArqpHykSTobQHA1ZUPp9H4DGjxLLMo+qy2h'
         '2ztaDCPt26ewxg+mkQHfE4DQnGRt5A04YwFNsOT1+d1fFlMIl7y8eKdcRhLn1dFtoIu6576B+DdPH8mNWnXrVUU886iDKtSW'
         'a4q69bFjC2iwf4q2Vl7uHTGEqdhVlobyZX6cJOfu48k5VqjKDbMZru/YLnCoYUehSxZ2pFbvuffh3hSdOMcuPNHAOzXwKivW'
         'iDaHoUbBkPO8F07t3BbJV3J+mGRfbSFrQSiJqljNtzdGdva+Pr18h5r381Ox6btn8TkhCAhscrhRQ9yqOPhAhGEP3TbZAyeM'
         'dTHmOgYBiIy+tJFyu3Yi5t67Vc0S+S+enuW/cuPUUR3+o+13uS2Hc9R2dECK0n9k4iQtBwyzwU5HTBZnuP5JlfKu6Sxg0anS'
         'Ea8YRJb+b5sb3nSE9g60rXeDSaLYG/mLRBx+2TJSnL2fYsPfAAXKFjqS/YhwDddGNMHcrE6i14JOoRt/hA2IWF5WRpthkxex'
         'wCbaSXv8qpkzexrAqs9EbEgRK+VMmmUv0D0dcoJvlys8LUx6TJPw3xGlCiDMdnDuHPMRNac4/gchZXkX9cD4Kcku311moSAW'
         '7zRW2XAxglKE4+0xx3BjRxHevlQq1N/WxVZcELD/S4LknpjsXbottxRs0o3IH/lmZ1oSU+tokyxo9sJnuGapsOvaYGrMq5Sz'
         'kNukdiNNIH0zw1Fydj5Tt3QAans+QiU=')),
    'recompile': Question(
        'After training the head with the base frozen, you set base.trainable = True and call fit again without compile. What happens to the base?',
        {'A': 'It is fine-tuned at the compiled rate.',
         'B': 'Keras raises an error asking you to recompile.',
         'C': 'Nothing: its weights do not change, because the compiled train step still updates only the head.',
         'D': 'Only its BatchNorm layers train.'},
        '39c89b2d59f397aaccf9038b23c1e61307d7584b3ac5693aa26928b50b846f4a',
        ('CFBENq3VV/b0hCZW2op9rAtlewfqvgyL982eoEDt8DBeT7UVxN7gxbcYwhWg97B0gNL/PAdq8dDu5OwRnDH+jT1vGpPRtBPS'
         'G/ptSyRsj3Kj0aSE8qN1C7gQA8cCVvBNmPZW3CJamIGhy5n/VFOplMU/dh5TRNBHv3VC2+w2K3uJOIaIxqzpQXw7F3kNbfmK'
         '+wqnAl2F4GgR33AGI3W31JFBP6wW0cYzcYhtvLfs7weLQzuIsfBXZcyNaaR9ys8VsZUZfn0GODw7tNCRvNt6XtxQf5sTCCFo'
         'fVKfQhsuZTq50SGmGA51XumE73QmM27diOb56wYZQ3ZfgetALRLYNkVTr4PLVe4pDGKUq5IX/1TxDbHVL4TUsiH+Gv+8e7Mm'
         'rQNQd3i8s9oRw3kIMff5CI0J3LHUBv3cH8QFwGqpcgVeqSlabhSOFyCs5q0JqL/sSb4Xzv8AIagi3CDlibBey6pHOB+M9ntz'
         'WK0o5AHARsAWwxzCZ1C79QBCkWQxBmJHrvMQKX9EENqFnkNXyjK+Mg7O6SRDrMcDzdhCbJFZLudN4lQmGEEq/iWNQ/EJiqcu'
         'IVkfueQ3cHwD/DBGasSvIHNZur1bgsJT311w4hFBHLmd4i865U6efT27B3KVpDwztA/e1ENS2nHxmn5FOGuspQ==')),
    'batchnorm_training_false': Question(
        "A model built with x = base(inputs, training=False) has its base unfrozen and is fine-tuned with fit in Keras 3. What happens to the BatchNorm layers' moving statistics?",
        {'A': 'They stay fixed: training=False keeps BatchNorm in inference mode.',
         'B': "They update: fit calls the model with training=True, which overrides the recorded training=False; set the BatchNorm layers' trainable to False to keep them fixed.",
         'C': 'Keras raises an error because training was given twice.',
         'D': 'They are reset to their initial values.'},
        'c017c3342304fe1da2f646aff089f53be6da1f97aef72ad8bb39cc59a0886ba0',
        ('FLmNYSJzvR3HkEOQCohloP6Qvl4fO5+lD7D/FL4Kq6rkoYUtm1QLL9+/h55qNpn0ItSHSv2p2Bnfil2hUiIyKj00DIwjVX4U'
         '5eQLQkC5s1Pw84XlCBW+Yo6+9c7DSZ6piIwvcGqKeTgEmR3NpGR/Ps+Y4M5c31V8Picb6QWYkRl0FLzvOQyeG7hYlB37Te4L'
         '65t/bfwXXgVyh60sYAIkshaUg13LSPrtz9M3/6bubHg/SHK4NXSxRYQdrNCIVW231jCpmdBv/2mj5ocRg+iamIEUCRWRhRzx'
         'rDGgrckNAjc7dKh+8pFOTUHiO8izNtQxG9iKNLNF1lVaTY9kz6i6O2dpd36//QIm0Mn3+6ChgpuClk91rhcUxXpltzVSSeUY'
         'sKk63xQGWv9KY/vcPz3dBAvxIANJ3vPjWonLNMV3ZRff/6agOfx9QCCxneUBUHz+aSqJM7Dt4XNHvsLLTVjwUXnExk+4+9cl'
         'c6HUrCZnJxFKdZk6POVnl5KJnrMlHj+FT6Pl3p9hGaHtuNaTdSmF+exgIaMb')),
    'gradient_scale_adam': Question(
        "To train the base 10x more slowly than the head under Adam, you multiply the base's gradients by 0.1. What happens?",
        {'A': 'The base trains 10x more slowly, as intended.',
         'B': 'The base trains 10x faster.',
         'C': "Nothing changes: Adam's step does not depend on the gradient's scale. Give the base a lower learning rate instead (per-layer rates).",
         'D': 'The base stops training.'},
        'a354fac41981b5c2288e8597a850252294607d9ec341fb5ae3fe61a6f3109b1f',
        ('cmO8Bqqm3aSQzIrBUhwmD1tOsaDjEBCNnRkazWHVuiUotybjf7CtY9vuTgL2BR+FXxrujedPI4HpwPgavtMA4ynKih63NKYr'
         'TnEsTRdmEJB8x4L5Ka5lIi/aI1gAGhSW+oM+Bpyguq4O/j9bwk7GjaTsz4/erdaFLhZY3HW9aiX+GDwGy7fQd5oQ2WQ43nNj'
         '3ZGIFpCZBLc04ptxJ2eN0Z1lg25kRbI72UO9V4l0UPrVocys4R0qvuIKADqSrFrr8Hw802mmvTkQ5Ccl768wUngNNZ4Tv1c5'
         'wb4+QqF8nrTGt7HOKb0jQYKIbkGC1bUNTn1y5kDErTyckU6ULT0pA7YGOtm1vOp/XMokmpkHJmNI9fv/ldQUlD9lYos+Q/64'
         'Da3a3T+pWisSMCsGd316eIZMSW2HulfxK/mlxSKYb7IC4Ko/cf5FQtvaEHCp9Jjds+EO942JTvxFzLSvlikZZqN5+vZscoWS'
         'ttoKzeYh+ZZ4N8j1S5EVaE/sVMFj3rXq/KEShQF53GI6Vo6Fqpi+PTXPpKVUHDE8eZlw3P8WzPC2SA==')),
    'discriminative_vs_two_phase': Question(
        'Lesson 8 compared one phase with discriminative rates (head 1e-2, base 1e-3, from the start) against freeze-then-fine-tune. What did it measure, over three seeds?',
        {'A': 'One phase was more accurate and forgot less.',
         'B': 'One phase forgot much more of the source task, for about the same target accuracy.',
         'C': 'Both recipes gave identical weights.',
         'D': 'One phase went NaN.'},
        '56fb7fbc3fd0fec2a24387f9fc7a60113361b0f26ed2e32b794244aa7eca1b29',
        ('4UAY2qgUrb78AedpeSolcaMFsTOoSj2prcPKzRFiD2HEFk5ntPnO8TkDB6uJ8XNi20+W2h1jo4syG6uZ1t1yFtBzQm9CF4P3'
         '4lgO5tSxX6SYCvXXB8GF/mF8fKDfjFMT/Z7oYtrOb79QfvDQjH74vMbcXOCQ0DSg/np6lw0w+YcQDLwoJQQCITajNIh+uTK+'
         'sgc6c23rPEF54irF9e7T90h3QUhvFjrTA+dLvGGUObDmtggHfohwX4QUWcc1P8+rXQ7Z2qCmHr3xS4vyNUvjDfFpR0yW6WxR'
         'HI4X1vSpJv1Sal7MeKhnb37z+NXw19+1g5iv9q0zktcd/Ytn903X8LAxlFWHgwFfAnzwz3I/UueU33HRT9ugj+A85t/t8xf7'
         'lLHnUKEGI8bodwrIeltMpA7YeumuruypuTqEX9n2OmHM8X5//dXM1RKHLy7XlP9hugJm8xPTDETlDDs+B9E388VJOAsed2rU'
         'R1MW/yIRJMM7INJO4SiL3JBZsspoPRBY5I+cv2FN3NwvAeO4wZRCvf3/DXiLM/92ZNai5r1C+g==')),
    'unfreeze_last_zero': Question(
        'base.trainable = True; for layer in base.layers[:-N]: layer.trainable = False. With N = 0, what is trainable?',
        {'A': 'Nothing: N = 0 unfreezes no layer.',
         'B': 'Only the last layer.',
         'C': 'The whole base: base.layers[:-0] is an empty list, so the loop freezes nothing.',
         'D': 'Only the BatchNorm layers.'},
        '26ab7b0100a0649dbfd4801c3eaa8fcbf19227299320fffcf2b83383e3457da7',
        ('cflIsXwTSDXeQjZ7kVUABaZuy3lMAQinEBfAQCgtLSgsTs04yHlatN2izFG9n9QhSdBHsVRpdkzIrWEYz1O0oe5Qp8KfkWO+'
         'SMvUMNlgoV3jzp5HcWJ2/wI7La0Wzti4dnILSdEbUxkcX9ttcMYSyUBy3kSWkAr0NKdDC9mVhXOSuBcONw8iPN90ZhDiJJPH'
         'TTKl1uoqSlmjhTPiVZarD/6Td5UP/cjSCC/8HVTia1pgAxpdqY4w6b97wOcZZ+9PElpBWJhB/GRYccPSW3hhA8vNXmcrDCAS'
         'KKj+H9dFL0LUNxsGbRHhB00CUr52501eIwK5SWxa4Fkn0LDz8H8GZuJGvzR72ua8qu+Ixtzfsy/3stfcn75SimoFPvcKw3dE'
         'KO1EZUFwIVXUbl6SUwBhWJBqX2PI2iRDKrvBD4EagZTH9wnb2uHfRAShUkzC2m/Sq3ViHmSrk2zRhzU7zqMw63fmplgG40ot'
         'bwGRkqBVJbcG/XCK8b9Vzee5LQV3ARzdqD0Me+uLBWYT')),
}


def _question(question_id: str) -> Question:
    if question_id not in QUESTIONS:
        raise ValueError(f"Unknown question {question_id!r}. The questions are: {', '.join(QUESTIONS)}.")
    return QUESTIONS[question_id]


def show(question_id: str) -> None:
    """Print the question and its choices."""
    question = _question(question_id)
    print(question.text)
    for letter, choice in question.choices.items():
        print(f"  {letter}) {choice}")


def check(question_id: str, answer) -> bool:
    """Explain ``answer`` (one letter) to ``question_id``: print why it is right, or raise
    ``ExerciseCheckError`` saying why it is wrong. Returns True when right."""
    question = _question(question_id)
    letters = ", ".join(question.choices)
    if answer is None:
        raise ExerciseCheckError(f"Your answer is still None: set it to one letter ({letters}).")
    if not isinstance(answer, str) or answer.strip().upper() not in question.choices:
        raise ExerciseCheckError(f"{answer!r} is not one of the choices: answer with one letter ({letters}).")
    letter = answer.strip().upper()
    right = next(c for c in question.choices if _digest(question_id, c) == question.answer_digest)
    why = _unseal(question_id, right, question.sealed_why)
    if letter != right:
        raise ExerciseCheckError(f"Not {letter}: {why[letter]} Read the other choices again and retry.")
    print(why[letter])
    return True
