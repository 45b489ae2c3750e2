"""The review quiz: multiple-choice questions over the whole course, each answer explained.

``show(question_id)`` prints a question; ``check(question_id, answer)`` says whether the answer is
right and why, and explains a wrong choice (raising ``checks.ExerciseCheckError``, so a graded
cell counts it as failed). Every explanation points to the lesson that measured it.
"""
from __future__ import annotations

from typing import NamedTuple

from .checks import ExerciseCheckError


class Question(NamedTuple):
    text: str
    choices: dict[str, str]
    answer: str
    why: dict[str, str]   # one explanation per choice: why it is right, or why it is wrong


QUESTIONS: dict[str, Question] = {
    "why_lower_lr": Question(
        "Why is the pretrained base fine-tuned at a learning rate about 10x lower than the new head's?",
        {"A": "Keras refuses to train an unfrozen base at the head's rate.",
         "B": "Its weights are already good; large steps overwrite what it learned (catastrophic forgetting).",
         "C": "A lower rate makes each epoch faster.",
         "D": "Adam turns the loss NaN at the head's rate."},
        "B",
        {"A": "Keras trains at whatever rate you give it; lesson 3 fine-tuned at the head's own rate, 1e-2.",
         "B": "Right. Lesson 3 measured it: at 1e-2 the base forgot its source task entirely (source accuracy "
              "near chance) and did worse than the frozen model; at 1e-3 it beat the control on every seed.",
         "C": "The rate does not change the cost of a step; lesson 4 timed steps against the number of unfrozen "
              "layers, not the rate.",
         "D": "Lesson 6 measured otherwise: with Adam at 0.01 the loss stayed finite; the damage was silent "
              "forgetting."}),
    "staircase_values": Question(
        "schedule = keras.optimizers.schedules.ExponentialDecay(0.001, decay_steps=1000, decay_rate=0.96, "
        "staircase=True). What are its values at steps 0, 1000, 2000 and 3000 (to 7 significant digits)?",
        {"A": "0.001, 0.00096, 0.0009216, 0.000884736",
         "B": "0.001, 0.001, 0.001, 0.001",
         "C": "0.001, 0.00096, 0.00092, 0.00088",
         "D": "0.00096, 0.0009216, 0.000884736, 0.0008493466"},
        "A",
        {"A": "Right: 0.001 x 0.96**(step // 1000). Keras computes in float32, so float() shows e.g. "
              "0.0009600000339560211: float32 cannot hold 0.00096 exactly (lesson 5).",
         "B": "Staircase keeps the rate constant *between* multiples of decay_steps; at each multiple it drops "
              "by the factor 0.96.",
         "C": "The decay compounds: the third value is 0.001 x 0.96**2 = 0.0009216, not 0.001 - 2 x 0.00004.",
         "D": "At step 0 no decay has happened yet: the schedule starts at its initial rate, 0.001."}),
    "small_dataset_lr": Question(
        "You fine-tune a large pretrained model on a small dataset with Adam. Which learning rate for the "
        "unfrozen base is the sensible start?",
        {"A": "1e-2, so the base adapts quickly to the few examples.",
         "B": "The same rate that trained the new head.",
         "C": "A small one, about 10x below the head's (e.g. 1e-5 to 1e-4 for large models).",
         "D": "It does not matter with Adam, which adapts the step size."},
        "C",
        {"A": "Few examples and large steps are exactly how a base forgets; lesson 3 measured the collapse at 1e-2.",
         "B": "The head's rate suits a random layer; lesson 3 measured it destroying the base's features.",
         "C": "Right: small steps adjust the pretrained features instead of replacing them (lesson 3); the best "
              "value depends on how far the target is from the source, so measure around it.",
         "D": "Adam normalises each gradient, so its step is about the learning rate itself: the rate is the "
              "only thing that sets how far the base moves (lessons 3 and 8)."}),
    "train_down_val_up": Question(
        "While fine-tuning, the training loss keeps falling but the validation loss starts rising. What is "
        "happening, and what do you do?",
        {"A": "Underfitting: train longer at a higher learning rate.",
         "B": "Overfitting: stop at the best validation epoch (EarlyStopping with restore_best_weights=True), "
              "or fine-tune less (lower rate, fewer layers), or get more data.",
         "C": "A bug in the validation data: validation loss cannot rise while training loss falls.",
         "D": "Nothing to worry about while validation accuracy still rises."},
        "B",
        {"A": "Underfitting shows as a training loss that stays high; here the model fits the training set "
              "better and better while generalising worse.",
         "B": "Right: the model memorises the few training examples. Keras 3's EarlyStopping with "
              "restore_best_weights=True returns the best validation epoch's weights.",
         "C": "It is the classic sign of overfitting, common with few labels (lesson 7 shows it on purpose).",
         "D": "Accuracy can still rise for a while, but a rising validation loss means the model grows "
              "over-confident where it is wrong: it has started to memorise, and the loss is the earlier warning."}),
    "nan_few_batches": Question(
        "The loss turns NaN after a few batches at learning rate 0.01. What is the most likely cause?",
        {"A": "The rate is too high for the loss's curvature: each step overshoots more than the last until "
              "the numbers overflow.",
         "B": "Adam always produces NaN at 0.01.",
         "C": "BatchNorm layers were frozen.",
         "D": "The dataset is too small."},
        "A",
        {"A": "Right. Lesson 6 measured it with SGD at 0.01 and a squared error: learning_rate x lambda_max was "
              "about 14, far above the stability limit of 2, and the loss went inf/NaN within 3 batches on "
              "every seed. Fixes: a lower rate, clipnorm, normalised features; TerminateOnNaN stops the run.",
         "B": "Folklore: lesson 6 ran Adam at 0.01 on the same model and the loss stayed finite (Adam's step is "
              "about the rate, whatever the gradient); the base was silently ruined instead.",
         "C": "Frozen BatchNorm is the recommended setting for fine-tuning (lesson 4); it does not make losses NaN.",
         "D": "A small dataset makes overfitting likely, not overflow."}),
    "recompile": Question(
        "After training the head with the base frozen, you set base.trainable = True and call fit again "
        "without compile. What happens to the base?",
        {"A": "It is fine-tuned at the compiled rate.",
         "B": "Keras raises an error asking you to recompile.",
         "C": "Nothing: its weights do not change, because the compiled train step still updates only the head.",
         "D": "Only its BatchNorm layers train."},
        "C",
        {"A": "Lesson 2 measured a weight change of exactly 0 for the base: the train function was traced with "
              "the old list of trainable weights.",
         "B": "No error and no warning: that is what makes the mistake easy to miss. fc.RecompileGuard catches it.",
         "C": "Right (lesson 2): changes to trainable take effect at the next compile. The reverse holds too: "
              "freezing after training without recompiling keeps training the base.",
         "D": "No weight of the base changes at all until you recompile (lesson 2)."}),
    "batchnorm_training_false": Question(
        "A model built with x = base(inputs, training=False) has its base unfrozen and is fine-tuned with fit "
        "in Keras 3. What happens to the BatchNorm layers' moving statistics?",
        {"A": "They stay fixed: training=False keeps BatchNorm in inference mode.",
         "B": "They update: fit calls the model with training=True, which overrides the recorded training=False; "
              "set the BatchNorm layers' trainable to False to keep them fixed.",
         "C": "Keras raises an error because training was given twice.",
         "D": "They are reset to their initial values."},
        "B",
        {"A": "That was the advice for older Keras; lesson 4 measured the moving mean moving in Keras 3.",
         "B": "Right (lesson 4): a non-trainable BatchNormalization layer runs in inference mode whatever "
              "training says.",
         "C": "No error: the outer call's training value simply wins (keras/src/models/functional.py).",
         "D": "Nothing resets them; they drift towards the statistics of the small fine-tuning batches."}),
    "gradient_scale_adam": Question(
        "To train the base 10x more slowly than the head under Adam, you multiply the base's gradients by 0.1. "
        "What happens?",
        {"A": "The base trains 10x more slowly, as intended.",
         "B": "The base trains 10x faster.",
         "C": "Nothing changes: Adam's step does not depend on the gradient's scale. Give the base a lower "
              "learning rate instead (per-layer rates).",
         "D": "The base stops training."},
        "C",
        {"A": "That holds for plain SGD, whose step is proportional to the gradient; lesson 8 measured a ratio "
              "of 0.1 for SGD and 1.000 for Adam.",
         "B": "The scale changes nothing under Adam (lesson 8 measured a ratio of 1.000).",
         "C": "Right: Adam divides by a running estimate of the gradient's own size, so a factor of 0.1 cancels "
              "(lesson 8).",
         "D": "The gradients are smaller but not zero, and Adam rescales them anyway."}),
    "discriminative_vs_two_phase": Question(
        "Lesson 8 compared one phase with discriminative rates (head 1e-2, base 1e-3, from the start) against "
        "freeze-then-fine-tune. What did it measure, over three seeds?",
        {"A": "One phase was more accurate and forgot less.",
         "B": "One phase forgot much more of the source task, for about the same target accuracy.",
         "C": "Both recipes gave identical weights.",
         "D": "One phase went NaN."},
        "B",
        {"A": "The measurement says otherwise: accuracy was about the same, and source accuracy left was far "
              "lower in one phase on every seed.",
         "B": "Right: a random head's first gradients reach an unfrozen base at once; training the head first "
              "is what protects the base.",
         "C": "They train different parameters in a different order; their results differ.",
         "D": "Every loss stayed finite; the difference was forgetting."}),
    "unfreeze_last_zero": Question(
        "base.trainable = True; for layer in base.layers[:-N]: layer.trainable = False. With N = 0, what is "
        "trainable?",
        {"A": "Nothing: N = 0 unfreezes no layer.",
         "B": "Only the last layer.",
         "C": "The whole base: base.layers[:-0] is an empty list, so the loop freezes nothing.",
         "D": "Only the BatchNorm layers."},
        "C",
        {"A": "base.layers[:-0] is base.layers[:0], an empty slice (lesson 4 asserts it); to freeze everything "
              "set base.trainable = False.",
         "B": "The slice [:-0] is empty, so no layer is frozen at all.",
         "C": "Right (lesson 4). The idiom also unfreezes the BatchNorm layers among the last N; freeze those "
              "again.",
         "D": "The loop freezes nothing, so every layer, BatchNorm included, stays trainable."}),
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
    if letter != question.answer:
        raise ExerciseCheckError(f"Not {letter}: {question.why[letter]} Read the other choices again and retry.")
    print(question.why[letter])
    return True
