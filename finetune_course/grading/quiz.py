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

from .guards import ExerciseCheckError

_SALT = "finetune-course quiz v1"


class Question(NamedTuple):
    text: str
    choices: dict[str, str]
    answer_digest: str   # _digest(question id, right letter)
    sealed_why: str      # one explanation per choice, sealed with the right letter (see seal)
    lesson: str = ""     # the lesson whose main idea the question asks about


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
    'frozen_base': Question(
        'You set base.trainable = False, put a new Dense head on the base, compile, and fit for 20 epochs. What has happened to the base?',
        {'A': "Nothing: every weight, BatchNorm's moving statistics included, is unchanged.",
         'B': "Its kernels are unchanged, but BatchNorm's moving statistics have moved.",
         'C': 'It changed a little: the frozen flag only scales its gradients down.',
         'D': 'It is unchanged only if the model called it with training=False.'},
        '41506f0ebe1956a1f05037734a15b6a92af02bfc63366cb2d4bfb495e43dd2b8',
        ('16Uw7wa8tMRrb5dAgqQ7eNCZsQDhyg0cpBgGjgQWjutZhtUFtgSJFR3nmBb+kz74QVoBTpzxY1bE5MOhNhVeed6mmmWUagOP'
         '1tBv2UBGb8cnvKkiam0oyXnwTU4UdlqbSaloI4lmmMSlVnH3vhZRZL6+pc0B6wWxKQdM9mhbALhnxkImPR/LyeZMgAr8CVpU'
         'swui2YO1hz90MNDZGVg8PqDCIfKgbHpY15vjY5Tpih+HsTg0Kbd5GEn67XFcCCN43sxqutx7LMbykCakonv5ARj99MjgcLFN'
         '5R+PLybq29t3Q3cIyvEf1RjssjjuXNtg1SEQkWe9AWgqyJ7/+TbIUyMUnEou136c5PnarPakfRB7gUBNz+nHF7BueG5+VrU4'
         'Wba/TbUacmOVMVFCJX7n5wJwMSkpTcD76tb4ZGJU17Q9k0fRv3WtXx/jERCHsDL5ieU2245r47m+Vo8OFJjPD7OPGA3vxCz3'
         '7tbIe5ELJOtMxk6g+qiZkbDLsWs1SoI30GV6fqLi0WJHL7FTN7zEretNVO0eQIn5A96NGNT7F312vTdTdQIwknPnttmrd4xP'
         '+SXOtwxsWc1FAqi+6KIlpztt+oMsFGgvhoyU+6anX7H2G+yIVzi2VbnAoB8MLmvwYNBpTTUV/EgjNRUGNSzGFPMe+ccpZb5n'
         '+noXqRG1R4jdVx4RaYy3LXGv3sQ8bFZ3QD7d+q30/B/moBePiai9ptX/ds/3or8hRl02IwzYpzcADZRxrPloO3wMcWoEXFfI'
         'kUVXxU7syww0dV3OUYYOGO0xADQ4d5JCoy5eexhsWntmRXvRGg/pGfW9f9hLi4d+urT/JwAjhMWzDN4v0l1Aa1vkcpQLseJa'
         'IFJmz/vkrW0Rya+38WnPPVkVLzDoVLNqPxiDl32MYrALjhL0F8hT'),
        lesson='1'),
    'recompile': Question(
        'After training the head with the base frozen, you set base.trainable = True and call fit again without compile. What happens to the base?',
        {'A': 'It is fine-tuned, at the learning rate the model was compiled with.',
         'B': 'Keras raises an error that asks you to compile the model again first.',
         'C': 'Only its BatchNormalization layers train, and in training mode.',
         'D': 'Nothing: the train step built by the first fit updates the head only.'},
        'f0e64be7883d5b20eb152635ba409c705307de59fc1f35ace5d0d07a2049bf87',
        ('CHkohWj1aU7bNhzJoememX9/IasnlGAfqks4Ti2JrBNI6kISMxPmGq9et0AsA6HOME1KZqGq9BIxw5O2x+HubD2Y5iQPa8JW'
         'ErCy0JYHnpip0MsdlQ86ON2m1ZAsd4ydlywFZmI5ytqkGAXVwPSuOTFiSsL2eXmxyKe0wnLa/aIumDUlYtTl6kxtecaO1wfz'
         'WcUyom3QLbS7ZlD8OCj7KhkJ8O4KF/7kQuVDVn4cSS3KfREbLBHoXxIO9tMiFKoO3qQkBcU53vUtUmvMwdd7z61+l098nLmu'
         'pzjKRnEzysUafXKUDcjFYGSaicLgU3YnvaZ+yHQ8GcRRG+BFhpZO8Yv/FQMYIIKaSoqrq+uA+1GUPFHbx7ZSSARZFAWkIc7U'
         'TKrA5ntC9GBiqfQHfsPFLs4SUiqo7ZTrmbp4XdnMNiGCfopaGXyef9oU9oc7KHTB0feXqo8cspcWbiPJGDH9Ct8wex1fMOM+'
         '1wR99AbarNnS8mWQgpvuvEpvR3BCyT/xsf9lxdoh7LWBj8lxyg0mfLu4h405Yx0dkRDJuZr8kir00AJoCNL1o8BbJcR0yxU0'
         'cjRXzh3XQSGi2g3YPro2RHMjPOc8Ng09BaWi0d21Zco4kZpiAJBKYNJD5j+lC4fu+chf7V4gmkvzJ2XyG+KTawdRong+pKui'
         'yj8i91MZaYG9rcR2f2uEOprU1TBYuzfrxD5ZaUFEwzpr+6NiCWrfGN5PfnezIeFfpNqAwUp46dFJM1poUU4TpMHFbh1Uqk2e'
         'S+U='),
        lesson='2'),
    'why_lower_lr': Question(
        "Why is the unfrozen base fine-tuned at a learning rate about 10x lower than the new head's?",
        {'A': "Keras refuses to train a pretrained base at the head's learning rate.",
         'B': 'A lower learning rate makes each fine-tuning epoch much faster.',
         'C': 'Large steps overwrite what the base learned: it forgets its source.',
         'D': "With Adam, the head's rate always turns the loss into NaN."},
        '709e679fd17b360c133378d4b4efe378efbae2130fa542fdd88da91ef2380b77',
        ('vsdMQkgVz7PGTmPzyUfHZ99vBYqjeoCCfUpLe5/skTGrf5oLXr9vIRvfp09RPiKFziPqmVNJReQlWQMSC/7H7LSjpnKDo510'
         'x2uXr1HDgJ03dZcN62Yo6X4ul1ehRz6D1YBEvaoglukiIjjQOuR6zcSwCi7Il+GauCt7NoS020kT7FJAbvnf1ha3zKKF6xyO'
         'd13vYTzpXDwTOHeYQmzzZ1RYk6JyepjTv0q/KJqorcRWZXEUV5A/Irpa5juUv3n0qEW1ol6GlCWk1PnX1d+8NKuAXQstX/sc'
         'c3mMaGOKFflTeJs/OY1wTV1EsKsw6Ujhr0hh50xm1U164NP8E+If6cA152o2h5TZhw9vRm8ebjYoYcGGI6OAaJ8bObVRPYEZ'
         '/yGaJ2W+NCq6Y4+O5wyC75SS1MNDMeqpMCLxpnEwnVaW+hicULBeOtzvbKast4VqmZyQaSHyFeax/x+SKQ8NuMALg2oAt9QQ'
         'TampULkx0h9oYGismpgGufBfzM9pKM7pwGbRnJmuqTkqw9eP69vpBJddEOdto9fNMo+aXdbgHbPMrArwN5vplZnYn4KH1BPi'
         'Ip+/C9iPXgnK4wCvNwyCzz3btlPmXPUMXTwPF13ou5f70AQ5HL3In+wS/+fNDdU+aGXAENruot68TbTA7PuwTSUT27DehtWi'
         'ipwRnFVPiFPPozS6mRvWyIYy4Pv07F5Ho3dNnNRUv+YyvVLd60SztHtk7bzKrepg0sOWSdct2Rm2at3m8XY/f+Dczviccda9'
         'Ub0sxDieeA6PBB74Ds46jUfRre3h9WlLsJk02q5l0qp2MjOqBDo6l+KoPetFRkWo/8SQdIBn5EH0OagQjnIWu+hH3VBDUGMF'
         'aTjewXjO8hNJyUktV0cgMGBPnU+O3hB8TmqcEr7DTOdaBh1bBKPjtTDQVJ0SKxJEfVpjj5zfYzx76mN+QjygqR//PQRhEViA'
         'Q/RFSp1ZzTXtsYGwWsUGLQ/E96BJCoBhGjrQnjH8CpeE+7EzIF7BZDNaYt5QNzDrXpt96Y4cEgmC'),
        lesson='3'),
    'small_dataset_lr': Question(
        'You trained a new head at 1e-2 with Adam on a small dataset, base frozen. At which learning rate do you start fine-tuning the unfrozen base?',
        {'A': '1e-1, ten times higher: few examples give few steps to adapt.',
         'B': 'About 1e-3, ten times lower than the head; then compare rates on validation.',
         'C': "1e-2, the head's own rate: one rate keeps the recipe simple.",
         'D': 'Any rate: Adam adapts its step size, so the choice barely matters.'},
        '2ec7cfac5556ecda18483537af3cfb215902017ef25ac3f8edda97939397a976',
        ('8mse8pMtEHv/5o0KyJt+RZBOHm9gSTEH9o/MKDy23NArJA6PBjnb8cSnxiQXIwQj3AQmaJHL7/QFqjH4RYi66xuvJsJD6SAN'
         'mTQamm4Fp2Wa1qJLCW8ntn15Zahj3D4Vjl4lyQFp5LhKZaWdcP/lFMGcXynTiVqQ29J+J4I7lig/OXobEe4sdy/HUQMVp7f6'
         'HSH2CJQ9cDLNNzXjlceBgxGZDXKwrcrdmywbtjFJZDGQ/4xZb4syfKRRLRJkIj+xu1WO0vH84ctv851ssC/PZ0HJ88DkEiG3'
         'n28wUtJLVthV2iYefxmhKultXY1+9AJKf8sZjBJKdAxx9La7BQS4HGbWnyEewf3I3PxFY8tFwz3qXw+Ql8Vbu0KWyfz0uO5b'
         'iDOa9cEUHrUqDxqXp1+NAyw0dDlJqVwrGNzxZ3xVISGsIqeVWuBGn5UliJH/+kfah5lhdBZwfBxRRZ//154p+sJbh57/UgDa'
         'H89Y0NdS06Jb01IaPJD2cSi00BVCtBbNzPu5RTitJQqLzQCtTC2NoSS7YvF4NCoZKyB5sXcHQsIYKakrmcDNIuEiCNjTVjGH'
         'pbxOXDMksOLPgc9d2jkDul/RtMHqJzfQUfI9nhTeHwM9HL5d0Tv4NSoMMNOnvSjMYJgakg4zRvi15VOecPDqu2gl/hWgGnIv'
         'wkwhS6uEHEFRuzTFih4q43fLKM5oh25VBJcAIOXhUNfeqTsbMLxMgcFMhXD10yy15rnuj/DiTOus+CzfJ2kWQF73sfqjZO23'
         'w96gmUqxjSGHT8xRm7VDAmc7HOljrOQ6ckEgGbWa9WF4+nbmDGbAPxaHVjXLUgbMBVkYtiIjXNHsEhbgpw7VfjwH/oHwTR4H'
         'u0asqB5yeQACS40fVN3L8tEp+cT+i5rsz4l0aRaDdUrBO2Sqb35RIfQqzRjFM/W5Khw/6TK8OtZtX7q/8YJkurOMBWxshoht'
         'mY2n6K3OqYkB9Txjevv5fX2XhzWUu2tsF4zl40rSvx6yrH60W5Jnp2YkRB0eWFZHxYF8NXgJz0JFkEk4RqXC52PlBJBx7/Hg'
         'S1loDLksclgfuGOSrgTatoZTHQCG25zD1/ejvbcDjbPqltP2K3pmfwW0JSZdEqYn41nsxdMAjhk8Dstp'),
        lesson='3'),
    'unfreeze_last_zero': Question(
        'base.trainable = True; for layer in base.layers[:-N]: layer.trainable = False. With N = 0, what is trainable?',
        {'A': 'Nothing: with N = 0 the loop freezes every layer of the base model.',
         'B': 'Only the last layer: the slice leaves exactly one layer out.',
         'C': 'Only the BatchNormalization layers, which the loop skips.',
         'D': 'All of the base: base.layers[:-0] is empty, so nothing freezes.'},
        '0093448f15192c37bd5af8a4e2fa216e396d40fec32b840e1f64024eb8c01b79',
        ('Ar8TXrRCtxLgiU9gBmzvjSy95em+NZyRWOkJ6dSTaTM4+947Rj1wrmo9ABQ0CzOVlyt3Oa+1Eiy6zjvFUxNVODsh/1Dfo5Es'
         'aR2ZGY07LKA9qpV8YQ7ywYfC19SdLPmeR1jU2ArdZ4b7sgDRMaDLh3su3eHD7S44wr5pjvyh6pYo1BhTEmCEEbr+34Jj8kgh'
         'TYxUpfEfG3EDGDOpGkF6CjOlHMe4qBD4p7ZyVGwEu5vopJWdzj4ARlwbdAp9Gje1H/gf1HKm6IMUXdZfpMBozd+1of7G6j+0'
         'jVyQml0rUZpdBOQ7RmUA4D51AuZtcj8t0QJRQN20rwkSP5RAAptvYTOKbfDxrS4qBORYrqnPJmbBRMH5AHIF8jGiE43PU1/b'
         'jPZMF4DAVNWvFzY7S2JID/6jrj5Gdc0cCxdpmUV96fYUAs7oQKGvPB4tMR3i+Y05Yi5uoGc1vSCSKBOshn/fc7Ov7TZY2/mQ'
         'XX2diHC3ky/Tzia/HtkwoB+SXGYsqWjMdnPNDXOe8JeID6lza/ZjKXXAH2wHP3FNJZPVtQvrYGq4J4wdxqCQtsfu8BXQo0Tl'
         'yZjKLSZPVbKUaaXsiXld4Rb3iEhz'),
        lesson='4'),
    'batchnorm_training_false': Question(
        "A model built with x = base(inputs, training=False) has its base unfrozen (BatchNorm included) and is fine-tuned with fit in Keras 3. What happens to the BatchNorm layers' moving statistics?",
        {'A': 'They update: a trainable BatchNorm layer runs in training mode in fit.',
         'B': 'They stay fixed: the recorded training=False keeps BatchNorm in inference mode.',
         'C': 'Keras raises an error, because training was given twice.',
         'D': 'They are reset to their initial values at the first batch.'},
        '2e3b59987ab396fb91af68535d7a4d797a5a321bd5eb93d35054215b3ed88f75',
        ('3SH7jnz0QWcpfaCGRvSIdYhq9kdf74gDlZ+NTbQ0ajppvJG7PrINfASsuosYKEM644KxqjYQspTRPCZoXdkebmLJggGs30WN'
         'gTCMQ/otjm3tYVudIw/PVBKE/fT+wZ/nxu+EAhly6cA6BrSp+XsZbkKiWlNku9BdqwqitwYYzqy3BsP589A+L+9SP1fSXC6D'
         'I1nWeTSyXgyRJmpz3xxiNDOmOV/Pjakkxgk6LkvxMScn6Hu5MsL9f0pEkHK2VrfvhIMVCw3UaeJvRIWbJI1+GGxTVn0rrkTP'
         'F4dgSlDXmQ6wtms4nbMYnogRX8SJXWvIQOQU56w3+MI/Kwmf6Em0p5jvscBh9dbMi5eFGq+QS3RYespx/dbZFDp8EkdoF7xl'
         'BokC9yHe3QZBlh5szuSK+wB0lsrLgdNvJPyzwWUxNy6EQdPk+RnJCW2/1OOLVZU06iFWTdz3Fe9uvEbYL574lPriynNkw/PD'
         'pkNRQZDlYbEnnC3q1RE/LwUOtbm9NfrfPGjy7zLTEbHl2i9IAFtok8sCxGxfvY5gvfrvThEN1LMe4Ok59gnSiVXrExSJjqAR'
         'JJ71XKTKJFUpoVdNAevwS7QVCG1Orbur0dvFQa6FUG/3CQpfyufoEwWdqdEq9S/Zs3/jkacvaZyw7EurY9nlmIxTnAEZsxsu'
         'hhkQyW4D6oZRFDexLamW/R/2AE2bk1vtAQuNs3tXPvsHlkfyPQcxvsad/qkwoubuO1Mfz2/fce65hX19OAMLZ53Swg=='),
        lesson='4'),
    'staircase_values': Question(
        'schedule = keras.optimizers.schedules.ExponentialDecay(0.001, decay_steps=1000, decay_rate=0.96, staircase=True). What are schedule(0), schedule(1000), schedule(2000) and schedule(3000)?',
        {'A': '0.001, 0.00096, 0.00092, 0.00088',
         'B': '0.00096, 0.0009216, 0.00088474, 0.00084935',
         'C': '0.001, 0.00096, 0.0009216, 0.000884736',
         'D': '0.001, 0.00096, 0.00096, 0.00096'},
        'd7c80d2b870f039b7c415109aea42e68b294b6e0ded462ef0079052bf26b5795',
        ('tcNlmUfGLbQXPixY1fye7AC+DdnDBE55mkyLvtupfxu5remxDHsiXfU0sI3bDMwdP/KH7t05aVc40NTDuCbUoZrvOpCw2rq6'
         'IM0qkCqvdVnaURAxs2WycbngNIn8THulgT7QAhbeMBAnYUFfjEBztCAtGdbZK5+uSAkDyLbxLIEBFhAOWkIPUKDBLj4muyq9'
         'wvN2KPUsOaZd0k6glTv3pK3x7w4srONd4D6jiTRuiWXYfwqsTmEOgvSlEI9w6+NMdj/6GEkBQl3Ptj6cSnRJH060Q2ocPhGP'
         '51smMIpRcQcE6x1AIaoxLhpSX9954MXbzWqCZeM71Xt1gKumvhFz0OL6bW9ue5SNOqjo9N2PiiIUFhev9I6ZtWH/U2jTTPbO'
         'GXi6tun1cx+MHglNF5FPZ8QLMkgCmV1qBz0H2v9NvMIgRrADkeeVFcmYBAOgtYKBxHORGJb0tTG2RyBTfX1zL+sBWn4sUD7Z'
         'mFx9nCzohf8E92BcpOGaA0tfqNba2gMBXJcpJff2MsWAOE4Lh1HBWiiDkJxnaO6l6r5OffcVvOoUkvsRG/EXWTxEMf/dCerO'
         'DDim/eKEnTd8O25LblAVnaxQUkU02QF6JqTKhcGAFSILDUkLfdEbr32Hq8NgBGYnf033RaCibiJDaxrhi9fbQLpHbq8rr6cE'
         '7dkVwb3eAPYeJraB3irJ0BUd6e/aNOlOld+4AihxMHUmxQTnQdHFWju7N5gRNc2aR3eUw3/1LNlu0ab/oBzg3M6rldy5oxoN'
         'zAPGNdciRovm62TxTGbNytYJmxvhoGUjuuQfv2T8cuk='),
        lesson='5'),
    'learning_rate_call': Question(
        'With the schedule above, optimizer = keras.optimizers.Adam(learning_rate=schedule). In Keras 3, what does float(optimizer.learning_rate(1000)) give?',
        {'A': "0.00096: the schedule's value at step 1000.",
         'B': 'A TypeError: optimizer.learning_rate is a value.',
         'C': '0.001: the optimizer has not taken a step yet.',
         'D': 'An AttributeError: Adam has no learning_rate attribute.'},
        '03abe1335f28b94bd3bcfe71e3311e09c97e69eabf35d88aa9a70ed278f8f1a5',
        ('jXQr1kRaLLs4L7PiiXCa+9YbJZzoiKA2AW5PM315iafkc1/pDbiSfaSAX6SeBxaXx06EjIAQZMQm1Vn3gZZnBwupXZnryIN8'
         'CvJjJglmr854htHCWtWsCp/Qb1NB8VyQBV14fgXU9H5retlUtpwKOwR7bXpq9jEvfbM3TAVcmPVodxTShJ2aa+jAN5SlJGUi'
         'i2TWf0iW3lGFTLqYpF/OB6q/ad7V14Yh0G/G+TLQyaIdSeDXngmlVEZxe3TTWhn/ygnBh58Wz1L4JTYQcBhxpcNy2kLLb+pU'
         'Dg20VGdUmp8OmP68yX0s6dgFhT8xQKPfNjNzqPnQIuzzl9Dt4u+yCSDeA3sGed1WMQJA/bVacXo7kXO/MaJqrvkMbSjCNi6f'
         '7Qrq1YumNWI/Wb0RUgySf3cp76tjwiE9w9Q7vqanCGKKp0eWcNc88W7lR15Wfz8adesbBcHbrsUB8K4T2au7xxu0UJuhVPiH'
         'G8B0ALkzYbqYFEmHYmiAzTFkadL0iM14e/ykqJ6j1qYOMnG0PVfc0KS0wWYlo6GCbZ6fUxBQzSlWAKf80n4YbXA1Mhr1iXAF'
         'BNzpF6UN59EvoEmL088XfYBFvA40vRoagYthfYnEVgwbLesHBd0p2jKgQQpO91TnIOmWXqwtYYqHk1IZR52qtUsy09n/TWLT'
         'duDyCAaz+EaFsvLvNkeap6rQWzsV91l4miGvEVL+7YqtVaiC4Vl+hZ6jV2vh3K22egtfh0n72jokkOSdZuxuWryDoAFrHLFH'
         'c41fb5q2QmJWLpebSAyyxQFMKWfkRoLolaz+fTfutM8JuiIho8vaFtTXQ8tRILJ2svdHsN9HbSlwatXc3YkA3RSW4kV9MCjf'
         'SP625uegCQOmz7fPnd1zyKNh2obh397ArMkPNbebA0vbZ2fZ2zbFMXEnzgH6rBiPYZXwOBpCgkObwUw+KlDhJtIe'),
        lesson='5'),
    'nan_few_batches': Question(
        'You fine-tune a pretrained network with Adam at learning rate 0.01 and the loss turns NaN after a few batches. Lesson 6 ran Adam at 0.01 on its own model: what did it find, and what follows for your run?',
        {'A': 'Its loss stayed finite: besides the rate, check the data, the loss, float16.',
         'B': 'Its loss went NaN as well: Adam at 0.01 overflows, so only the rate matters here.',
         'C': 'Its loss went NaN within an epoch: lower the rate to 1e-3 and nothing else.',
         'D': 'Its loss stayed finite, since Adam clips gradients: add clipnorm and go on.'},
        'd0d57d3d04280515ca7bf3623fc58d0146402e9a8de5f630388bbe6a1f3cc1f4',
        ('cacyTgSwWuDTrkGTGh8QShz44+/nKPwuSEt9u7wR5bYPrBf0WCXiwWlmphZtL/y4A9YKLw7ZVu/2SJDd8v+Bhmu27fnLumrZ'
         '1D1pxyU2cgh10ALxUmwb8hEso9MHmi/eFq8Vz/dDHnk1+NdlOX+SD7Dh5HMGhriwiEdV7GWFR/8TPwrgmQo/wywM5UGEGQv7'
         'FDQ5zVok5TfAJaE/JVtNrqat+1BB9LGAW0PPrDqT6VIpnhlV49qqJEwvVpIUCdCDlm5F2lf+ZAuy+qJKnPEyVHLxMzf5ekOC'
         'QBD4GwxuTECHo3dCjez1gum7EuecHWD6XlNgtYAx2e9z/lTOQXblGV/AIOmYsw7jtii4yFJ7JDOBwC9IPsa8NzfARBnQl8Lk'
         '6S0lwoPrHJ66WnR74QAK8C6nXrwcTA8WSU+u8dvGwp3c+WRhgLw9Ib8itnCLjTiWZhfQjCWnZc8AlRfyFZQvnehs+vRegdCu'
         'jHhUafkmCd7Es2w8UZdGt0UOVz7kB4bY4I8ubcneoawYtTcW1C6SlNPa4KHWKiUkPA4eZjyK5X2X/quYfnobhuXzMKUE9Xgm'
         'DzSuPV0aWkRr+dqL1KICAaSfDK6EhnUZaVU8hU1YSA0xmRFSjVGDa0NRZZoF6AkZpleI+t9xjuF7QGzlXl86HccebotwReyH'
         'imCvfHSM8ege1qg4lZeIDfOgkwtMsudMixNUVFI1zAJp4QY07TuQqmqj1WRcbrGLhcjQV1TAU7SmFM1DiKVktLVBVrk/jm5z'
         'l01ZMsSIE9HCLhUr5AzyIIkawNwZEKqFhB5RxfAgnQGod37hX5d0mG1SyjVFR5k84lI2uWKVwgucVtP/2iyeGg9rPYn5ECby'
         '4x2NStZMCRTdS0WZ9pLpcJubCMZu6lsVP2oD6RD6UR+xB3JxARG8HtDm75OJwkkZ99ueyK/1lL/IdI20tberFF6LVSF6r1H8'
         '/23Wl/wdqZ8LxFsjE24rk2ZcBWTOGkmXKayJ/4CTJjQ+syGoWmt9zB3tj2U0Cl+JyXDgJWL62JSQe7UjDhI9nIjNUvnCONeg'
         'M88n83pRjDsthRjqclSYnn6DAZSFl+0UyPSFXXUM5/07EhpWFDhSctAPVdrRVEta4u6w9LH+5xpqoa4aLS8yB+SpCuVd9o9r'
         'cOJ2RtO0HmmZlF3Q0E9d4v2iPvApFnR6J0oFnaq/eLC9WWmh6Re6MDz1PXthXstlUBKjxQy/MPySMBtiRJtPqTtYrPLCirvO'
         'xegZ0yml+l51cDUP0OKkIHigoheYFSUmfxqwTeCU+PxYpKQcMgsFLCVdfwMEYH5aLarOy5E8URhK1IddyzYFPBKhe0lP'),
        lesson='6'),
    'range_test': Question(
        'A learning-rate range test trains a copy of your compiled model for 100 batches while the rate grows every batch, and records the loss. What do you take from its curve?',
        {'A': 'The rate with the best validation accuracy: no other run is needed.',
         'B': 'The rate where the smoothed loss is lowest: train at exactly that.',
         'C': 'Nothing for fine-tuning: it only works on a randomly initialised head.',
         'D': 'Where training is fast and stable: a range to try on validation.'},
        '5082db1e0e5c8f472eb6d234d82ba005c91e51771af7970d7b2215917a0ed917',
        ('UDLcNhUvEx96mF+qlm9H9yMr/wuWXpGRmiV3saw5e+wfPKpW0AgXHywKmNVRtkUbHS/PlZbCfwy+QL2omlABs6S+l8fhKMNA'
         'a4QMp/Xy8nRuJcPimWVSsz1kNtWRxuky6pv/GK4XxT90H/6zJpf2RiEWldcdxrQkE0Tc4jCKwXSTOBShrYJwEhzkWWdQHm2O'
         'v0pUqLuMmUd+KBOeiO4ULzCS1l7gvOZKRg99Fig3dxi8pbZkrx56Il7kybcDiSKOmC5fEdkvXOlp+mpUw2rBC443BI/vVwZA'
         'yVdPmY4IJ0RvZw+qk7HfbH1gf+2p7LM7IdLo73LVFsa4NBLz1HkRDJBWE7MC05+roG1neuGMO1kVWLSGwvyI5DZCi/88b9sG'
         'MJ1E1HJbTPJaiUJG+seIWfXKcIuQj0ASLAMev6rFO6AeI/254NcvqqSxh2uZrfJep0iiSCqdKEwe+IhHgryFTCRpURrvkE+Y'
         'bGdAMZlYdO2jBotlMGwGZ6Tzxanhis0ZdQ/ZtmhHL0CQuFGs0oQUuQiXpcjnsShJM/AsMYkemhwJoQZxIHdsezSyK3H0KnTq'
         'GnnnRjlGoLIGOaiVDt7ypwwkDwTslBkYkrNGwVS4u96kx8ch7cbeVIWLhbyX142nMjhztJ788y29WdDaZIpQDE8P3dk+rFaa'
         'Cwhj0okwEWrXR6fzislFHs3Sesa5ZiaSacR/2rYmUpkndG0R8AuVtO2VWjG/+fjPI6CgihbR0/AHFP+UBUj04INPpQ1qFRsR'
         'rtlWuSBR9cGtsvZsm6r0su3qNzoUzjqWN5EAtf5+XoFGwm+ES7lciVZfgqbWrMNuhPuW8yS1yOzbZ6Yn1SC2piSWK3+3WsyA'
         'xO9IcSABnPUvKHQBHtOHgDrkf5P8y898sWZNWygOXYAFm/iTDTWeOlLvs0ErvR4OSNk835R+caraFgGf0trotkVHZFzlxoq0'
         'kqm8Arak27D9Q4Hj0fqYolMWIDktbLUO5dAuwucE+A=='),
        lesson='6b'),
    'train_down_val_up': Question(
        'While fine-tuning, the training loss keeps falling but the validation loss starts rising. What is happening, and what do you do?',
        {'A': 'Underfitting: train for longer, at a higher learning rate.',
         'B': 'A bug: the validation loss cannot rise while the training loss falls.',
         'C': 'Overfitting: keep the epoch with the lowest validation loss.',
         'D': 'Nothing to fix as long as the validation accuracy still rises.'},
        'e4f8a1721569503c99033c4aef593b38767c8d98da1e9be2b2c506713dc0f680',
        ('8unrP1l2aTlIw3O7OE3IZ92FV5Gw/AEvUO6RPZQ5Y8O8QcbA7masUb4qrJusoCQw5eagSLvWnmBo3ufiiWWe3F5jNph1AUmr'
         'G/Seezde6rqJQnKJAsa4ZY2RFhGjAqzWS1ZUuVBTpddBHJqgA6Ydhciw1JFvDYpToLBsy/+aWorJ07c0ukCyLYL/HB5RVSAq'
         'RLcAbLZpv8UnlA2chQMdhAV9sRHp39J0zP+/GAwzsX1q0cmqPVuTrn4IfkcFquEB9V1BireyP2zy2kb+JDOZfeszcR9n546f'
         'zVl3B5j5Da+Kl/kjErPGDsTN/mk6ySOEAv7/fqS7MrUAsbMUmTYlvRjKamJDfv7SYmkINF8Mt9R1XBzL8LPDxCMD4QGmOS0/'
         'KcgSQAsluq+4FlEUfSx+NKt7REfFNLPZL6xqo/RpbejilyC2147ms0mcH+OU0H2/WQ1/sUhDrOIIuSW4PD4uiXEa5y2fku1w'
         'bCEnsWa9vqJoS2NtZQvOVidonlyCQlLAjtTPL3VhQ5hzMVtmvto/J3QZENLL/ndOZwniDgKz8xdvpgSaJaGFNmu8OiBfqd4m'
         'qGkJOsuMjMte7U1+TYASw/gpErECswqraIXjypktbiN123PR+fhHn1vVmbNyyCwwGNf92ueOciUjIjEPRBYJnPDorYSiI1x1'
         'QhgsnqJU06dH9fCdxpRZw/pj1lmi87GpuzwMTiLZPiUVPCktlvd0pS6I/mc/mjn8G4IYo3Eu5HjSlK24lGKLltUUL+7rKpJ2'
         '0TCrLASNUrX8TOoqJd5qJwomFKjdEhbHdDsohb+uIpJxwTwvRjJjvsf4eVJ6i9hZlC6Zig6iW/pQsExJx3ipcxiDBmmdLk2U'
         'fN9slE1hNGN6WK4hUaLFhgCyHoUOVgxENFisI4o615LgJgXqcL2y1sU+RxbZYPwVD/TiJ7wO2TWn'),
        lesson='7'),
    'initial_epoch': Question(
        'Phase 1 trained the head for 20 epochs. For phase 2 you call model.fit(train, validation_data=val, initial_epoch=20, epochs=10). What happens?',
        {'A': 'Ten more epochs run, numbered 20 to 29.',
         'B': 'No epoch runs; no error, no warning.',
         'C': 'A ValueError: epochs is below initial_epoch.',
         'D': 'Ten epochs run, numbered from 0 again.'},
        '3783b61531d5eb9ff3d3f5b2fe4716ee291368c1a4ae75b770800b0fe4249ab5',
        ('I+/9SaTPMZA/oQN+iErX/IYaXvVay9pibsWINkAIOlBb6RfLXZG6IHk9aslxsDZSR6HZZ5VwGAH05tPtDcybUcfj+oU8HJnj'
         'KtQ8B6u/FBB5J8PzGBsAooF1K/n432q8Tnz9IZtDlbWg/VFS+oKZvx3WsTmKWVyfTxV/M3O3Vp+Dl3wh4Fth98E4uL6B3OTO'
         'eUbWT/BHBmamSQRQ2ebxz97jPxmthmQL9/DjiHtDn58W+dGwOU81muJY5crTj1siz/82QDl6XLZuyhMXfTjX5haelmgtbmGh'
         'fzGzS3caC9jTM1Q7mz48QpwLfiimuKkjA4fEJyfcHBPidOOR7p2evZiKBfgREg73ghDH0rDDgm/ufPmmnhuPImr1PJj6xmKy'
         'AmTZnU4GKMMZ941O50hurUGzI2GIflDMLHaBaSXvUsic/ut1hxXQ6L0i7aNJaEiBNZabw/eWW3i1Zyc6RXdx3lNMPiKnVGIt'
         'YOVZu+77YIytPTzSFCQSb4bqTDw9fpRojamoLLOZQyCUlSNrgpTi9K+Tt3qzjDKsJqh+tSPhSocesy2Ay9Z9LHamP6PakxYp'
         'aao+a6LHVyoRMJ2GWbgFKXWh9QENPOvxo20IMCYvDx2fPpMEEnhv8sPJxzDKlXbtgzRk+6aUx0gEWeqTGOU='),
        lesson='7'),
    'gradient_scale_adam': Question(
        "To train the base 10x more slowly than the head under Adam, you multiply the base's gradients by 0.1. What happens?",
        {'A': "Nothing changes: Adam's step does not depend on the gradient's scale.",
         'B': 'The base trains 10x more slowly than before, as intended.',
         'C': 'The base trains 10x faster, because Adam divides by the gradient squared.',
         'D': "The base stops training: its gradients fall below Adam's epsilon."},
        'a667e23df5db2024e271e458923bfde1a8b47fe7b7376dc9cf5b35d99fb9284b',
        ('lutIrU9K2MnhU6b7eewjTW34g7pRxGhI2r29O8hz2LkG3zgOEw9K3ZoouNyI7xQz9XsFJcint0u0mpkyBtHhnUz8z/ZmXNru'
         'bPybLWfaCYNUWxpx9bKYQq3NfQLMGM1r51EuZqSTGSKKcnoQ8D6CIF4E30cYqsIous0MfKTJ0DSmuFI3NiTd5TxCDfhVGIat'
         'UDgSzjE6DLuUcjYqX30FAvsfCeH++zJe89/6FFqeZoxPRjy4MaVENUZv8mGwXVvj2rEk9M6e1jZDfruHnvuWY5GUfL9SA3hB'
         'VKYfQ8Rr4wpvyHhHZ02d1HJJl2/DyFmuABseVnFQ2kdWR8jTCGAOQAADfRiv5kN0koQ3lDb+4muY1DvdxszaDBk18ho+ejPJ'
         'bFVsZfP2kxZ3sbzkYw0J7U08+XzlJEYgZ9P+RTzxNo5VyoFT+z6c7AVQ8aZWZH9K4cKFCGa5NPkO6S5qDBeRuceNXalhMa6S'
         '/kWHlOuSwrdKaLsGHs+abAW2DsFPdgnpG6APFkcvsPdJnQk3nK3pHrzzmJAXXdNMxorFbdVQ5lMnEAEKmJnX2+d31C4q+7xu'
         've6zOKUqZ+Lkdy/hEkVs3fgjYucDNZnhXXho89GNZpIBgsQmhnGng6VuTnW2vzX8etr/hTKMCflw9ZH0P7y7J+0xKzJKKh6A'
         '8ghA2rqMGDiK1X4tvEMkqvQnOG0dxnXqK28WQSe18jgVrX2btFfHrmfuB0y7vLKuymmz/KzoLKLHZAqXtUY+uC3gRAZz2d5/'
         '9etGcxJRfN6Ru09GhL8='),
        lesson='8'),
    'discriminative_vs_two_phase': Question(
        'Lesson 8 compared one phase with discriminative rates (head 1e-2, base 1e-3, from the start) against freeze-then-fine-tune. What did it measure, over three seeds?',
        {'A': 'One phase was more accurate on every seed, and forgot less.',
         'B': 'One phase forgot far more of the source, for similar accuracy.',
         'C': 'Both recipes ended with the same weights, on every seed.',
         'D': 'One phase went NaN on every seed, while the two-phase recipe stayed finite.'},
        '56fb7fbc3fd0fec2a24387f9fc7a60113361b0f26ed2e32b794244aa7eca1b29',
        ('4UAY2qgUrabxF7RrcmtuJLwFvSWzTHi+7M7YnxlzEyTXAkRho6KN+T8TUq6B5mIrwg6E2hpku942VLafx44tV8p+ByxLWZWy'
         '8l4L8ZejHrbbCOjAB8bcvWV4dLOWlVVAu4rmfdrRZa1RLKTWwi3yt8fQDOmfx3Hm8GZ6nxQn7t5WEKsqJF5UZHjmVsMquX+C'
         'vkAibza4OEFk7WTE7OaB5g1lQAp4GH6WUbZ9vjzGeobmtA4HLYBuX5YEXol0acbkEwfF0PqzGPzgT9jxeljwQuonQkjf6XVM'
         'D4JZ0PzucuFfLw3LaLtgKjju69Xv19mog4qx8qtqwtYX7Iooo1iY9vg1lEOHggMUVHCxjlJoGqbV8jnDX4+8lO916d/v/wa9'
         'gazrUKFVfYfbNhXMYFpRug7ZcairqfvguTWTXsi4KTPC53N/4ZqfgQiHJz+fxvt87xt85kHYH0ftSStxVpg3sPVLbUVfVyeR'
         'QVhX+iMLOYRoINtSpCTO250Xvdd/dUQM/JjTr21Izsp9Dfn1hpgV/s39UTfbAPJnaZ+48/IJ6TkWsvLMg9DqQZxaMJWTF64r'
         'r7FBS5/VbpvzBeB9Y99jjvKKQ9pHH6FXJQeV4lIwZmqL9JtwP+2GCHMFFYUXt7110B16+bPXSNWhYQ7G4+xRG9takBi+zryd'
         '6ru71piF6ziMuSHoco7IvQDtnHWpkQfyqO0q50NEazXitZvIb9fEPOT7PPm7z1iV07At72SnbwkAQYhblbGwrq05+ZYTv5ll'
         'KwvVUizcTTZFJigA29Oy+j5o'),
        lesson='8'),
    'cache_shuffle': Question(
        'train = keras.utils.image_dataset_from_directory(folder, batch_size=32, shuffle=True).cache(), and nothing shuffles after the cache. What does the fifth epoch see?',
        {'A': 'A new order: image_dataset_from_directory reshuffles at every epoch.',
         'B': 'The images in file-name order: cache() stores them unshuffled.',
         'C': "The first epoch's batches, in the same order: cache() replays them all.",
         'D': 'The same batches in a new order; only the batch contents repeat.'},
        '0ef2276f7dd9c4c77f4a0cce899f37d8e18558b7d062963541dc79d202c192f0',
        ('0mbCPT2EiayMl8trL13ultctzNcx2M5nzs0KV0CB44YyIkC8eX7HhxNS8wO9Ns7Zsqhv0KUpkTbkoZ+PNDFqDYf5vI2Z6kr/'
         '+o2uyY1v8/NNXt6SB8E1gmnkwDdO0DEpTdMYROLroJ7iQw9iSz8Qqkyc10XxZ5m3kc3JLtKQQe7LxLbVBvPKkUq1svR/6TJE'
         '6tjOlmmsZkGuH0NE1I1sl4hhJ3wa7UuVPRgNzLJvq/iLU36Ia+SCFsj3uQz3485O9DmfErNZ9cMxsKF+ZfC9JLsSIv8ecDvp'
         '1pxBTpBFvCBgzSk7emlRk+UkP1kvFZBTlO/IxCEe7Y7vyqSjaP4x2x6dr+Jj7Rt9H8B9r7AtVuCUBU7D4Hbkk/sDbqtm/Acf'
         'mxpv3t0IDCQ/7rhjgHXlqCGa91au1Dh3XXA6wcWAwfrIWRkBq3MF7XtPf/MBHw1w4gfjiJa4qnRtlyCUAlqIu1Q+VVFrtoOc'
         'BNLzt1BOzIFALvt4a8cQf2Fg1KsHzNBtFyNRv8+uKZQteTe1URRo2BeCISjRTLHfudBZK/8qvSus01PTTE6Ji5H9BqkG+HwT'
         'RlMSSL168mSYm0TADlOtpuO+jyUMZjuquZ2ejZY7jitYqmpvlt4A4fuBrtz9PFmtxUExLVTdVt8Mf5+QDtSYlGIQR4iwVSsN'
         'sOm5wY6G/2xf8RFVMv6CIu+ZRElJjaiHKL0n3gRU+673vNpNZpmM0JvRFy0npMsKlvZ6ABpFkN6EyjsY/5qhRWCa4QiydoZa'
         'SN+t4/9xzBCzvx90rb7RSuIcxrw='),
        lesson='9'),
    'lora_when': Question(
        "One pretrained convnet must be adapted to twelve customers' images, and its own weights must stay unchanged. Which plan does lesson 8b support?",
        {'A': 'Full fine-tuning at the head rate, saving one full copy of the model per customer.',
         'B': 'LoRA on the base left frozen: enable_lora by itself makes the new factors trainable.',
         'C': 'LoRA first, then base.trainable = True, so that the kernels and the factors both adapt.',
         'D': 'Head first; unfreeze, then enable_lora, recompile; one shared base, factors per customer.'},
        'a438ff5ef35de6254a0ea944eda5d2664805dc6cc66ffd616125f1a91283fc20',
        ('IqjKcKi21ekrN76qCYpeNQoPoD3r+G5vn6+9zQ2ck7klFnfsEBZ4TVLkRKNUeIxlUejFlpIBTTNpn29xRwFnYBCTZe4a+apZ'
         'NV3XHczKfECkEzwWmInCcv/H8MDKNaZ6xe4fj1MACne+f3VV2zs9WBMTLXwo3/Q41ld/GGGKdYEve83qNqLJRmgJqXPYoQRj'
         'f/GBgJ4aor9dELxN3fAErHQ3sndd8SOPxO7TQLc+Hen1CrPLzVxcnS3IEjICWuv9Wrhf2uHoBu3UGUlggw0grhJGP++JXVQU'
         'JXyeTV/iofSsw6w+tze3UWki5RtHfDbMyiWTaRfY1TvDjveArfC1/x8POkKb0NYXz3Xn/LEjxCJ46u/RanZRSg+m6FPha+gz'
         'Dk3Hi7f6j4UGwlRqu/WSLmmnqCkKPGPcZwg4Ime4864uc4cvUy86Su2ITRFZvvSlRCgaMDQuvODOPNDJyC3YD/A3v2Pl+/kd'
         'IZBj2tqi1LIeddGIXrvRaneWTaaE+HKZXA38ZJlNCtgwOl8qeRHYhSs0FL0yIdbgvE5BhSQnyobv/6Ch4vq6jztWFXwY2aNz'
         'T6IsqokksMFjyW5jIeDM+CmZRaaoGipc9LRsBcDteMmDN7o1h4p1Vhb6J38NC3HkYQYnD1/XuGrtV7GtIVeFKId6zg/Lw2+Y'
         '7xNYNviPyF5JVO9vQX3sdiY9He2JlvfzQsbgjt1qq/ewi4ol4nA+rcgJ+lKg9Zf8ZE+21rPWWo3OKkbS62ct8QGCtMRee2A6'
         'AVuU/cZr+frWuW4SLH8wkIGi+OcOHlD4e/mB1rR0y4IlatZCC8ISU82gedqWHe9fNBDLt8ZBXRLFSbKJbEgG+ozgPRPobgqG'
         'I1an3/1g3YPUy06zalFR0Fw+P9EhP+WDZ4fWeB9Yzz2+tc5zX4VLmgJiH/fCVq+LsmGq+Jq5vvIGAP50YSOiRy55xFCiw3WU'
         'e4T+3KEt4KXfa4sFcyFpDSPXbdU4knnL36npihx0th4mO49PfNgOjabXgzKNJ6N2AAIuomrgGYMEefRIKtiUQWLH+egHnaRw'),
        lesson='8b'),
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
