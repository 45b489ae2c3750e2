"""The review quiz's answer key and explanations in the clear, for maintainers: not part of the
installed package, so a learner's kernel cannot read it. tests/test_quiz.py asserts that
finetune_course/grading/quiz.py holds exactly these, sealed (quiz.seal).

Every explanation says what a lesson of the course measured (or what Keras does, where a lesson
ran it), and no more.

To add a question (e.g. lesson 8b's): append its text and choices to ``quiz.QUESTIONS`` (digest
and sealed text may be ""), its letter to ``ANSWERS`` and one explanation per choice to ``WHY``
here, then run ``python scripts/seal_quiz.py`` (it seals the key into grading/quiz.py and writes the
question's cells into solutions/10_review_quiz.ipynb), ``python scripts/refresh_outputs.py
solutions/10_review_quiz.ipynb`` and ``python scripts/make_exercises.py``. Keep the letters
spread: tests/test_quiz.py fails when always answering one letter, or the longest or the
shortest choice, scores more than 2 above chance. Today A, B, C and D are right 4 times each, so
the next question may take any letter; write its wrong choices as long and as
careful as the right one, and put the reasons in ``WHY``, not in the choices.
"""

ANSWERS = {
    'frozen_base': 'A',
    'recompile': 'D',
    'why_lower_lr': 'C',
    'small_dataset_lr': 'B',
    'unfreeze_last_zero': 'D',
    'batchnorm_training_false': 'A',
    'staircase_values': 'C',
    'learning_rate_call': 'B',
    'nan_few_batches': 'A',
    'range_test': 'D',
    'train_down_val_up': 'C',
    'initial_epoch': 'B',
    'gradient_scale_adam': 'A',
    'discriminative_vs_two_phase': 'B',
    'cache_shuffle': 'C',
    'lora_when': 'D',
}

WHY = {
    'frozen_base': {
        'A': "Right (lesson 1): the largest change of any base weight was exactly 0.0, BatchNorm's moving "
             "statistics included: a frozen BatchNormalization layer runs in inference mode inside fit.",
        'B': "Lesson 1 compared every base variable, moving statistics included, before and after fit: the "
             "largest change was exactly 0.0. A frozen BatchNormalization layer runs in inference mode.",
        'C': "A frozen weight gets no update at all, not a smaller one: lesson 1 measured a largest change "
             "of exactly 0.0 in the base.",
        'D': "Lesson 1's model calls the base without training=False (keras.Sequential([base, head])), and "
             "the largest change was still exactly 0.0: base.trainable = False is enough.",
    },
    'recompile': {
        'A': "Lesson 2 measured a weight change of exactly 0 for the base: the train step was traced by the "
             "first fit with the old list of trainable weights.",
        'B': "Lesson 2 ran it on Keras 3.15: no error and no warning, which is what makes the mistake easy to "
             "miss. fc.RecompileGuard catches it.",
        'C': "No weight of the base changed at all, BatchNorm's included, until the model was compiled again "
             "(lesson 2).",
        'D': "Right (lesson 2): changes to trainable take effect at the next compile. The reverse holds too: "
             "freezing after training without recompiling kept training the base.",
    },
    'why_lower_lr': {
        'A': "Keras trains at whatever rate you give it: lesson 3 fine-tuned the base at the head's own "
             "rate, 1e-2, without complaint.",
        'B': "The rate does not change the cost of a step: lesson 4 timed steps against the number of "
             "unfrozen layers, and the rate is not part of that cost.",
        'C': "Right (lesson 3's sweep): at the head's rate, 1e-2, the base forgot its source task almost "
             "completely on every seed (source accuracy below 0.2) and the validation accuracy fell below the "
             "frozen model's on average; the best rate lay between 3x and 30x lower, and 10x lower beat the "
             "control on average.",
        'D': "Lesson 6 measured otherwise on the course's classifier: with Adam at 0.01, and even at 0.1 and "
             "1.0, every loss stayed finite; the damage was silent forgetting of the source task.",
    },
    'small_dataset_lr': {
        'A': "Lesson 3 measured the opposite direction already at the head's rate: at 1e-2 the base forgot "
             "its source task and did worse than the frozen model. Higher still moves it further.",
        'B': "Right: the course's rule from lesson 3, about 10x lower than the head's rate, then compare "
             "rates on the validation split. Lesson 3's sweep (the head's rate divided by 1 to 30) found the "
             "best rate between 3x and 30x lower, changing with the draw, and 3x lower forgetting about half of "
             "the source task.",
        'C': "Lesson 3 fine-tuned at the head's rate, 1e-2: the base forgot its source task almost "
             "completely and the validation accuracy fell below the frozen model's.",
        'D': "Adam moves each weight by about the learning rate per step (lessons 3 and 8), so the rate is "
             "what sets how far the base moves: lesson 3 measured forgetting growing with it on every seed.",
    },
    'unfreeze_last_zero': {
        'A': "base.layers[:-0] is base.layers[:0], an empty list (lesson 4 asserts it), so the loop freezes "
             "nothing. To freeze everything, set base.trainable = False.",
        'B': "The slice [:-0] is empty, not all but one: no layer is frozen at all.",
        'C': "The loop freezes nothing, so every layer, BatchNorm included, stays trainable.",
        'D': "Right (lesson 4). The idiom also unfreezes the BatchNorm layers among the last N: freeze those "
             "again before compiling.",
    },
    'batchnorm_training_false': {
        'A': "Right (lesson 4): fit calls the model with training=True, which overrides the recorded "
             "training=False, and lesson 4 measured the moving mean moving. Set the BatchNormalization "
             "layers' trainable to False: a frozen one runs in inference mode whatever training says.",
        'B': "That was the advice for older Keras; lesson 4 measured the moving mean moving in Keras 3.",
        'C': "Lesson 4 ran exactly this: no error; the outer call's training value wins.",
        'D': "Nothing resets them; lesson 4 measured them drifting towards the statistics of the small "
             "fine-tuning batches.",
    },
    'staircase_values': {
        'A': "The decay multiplies, it does not subtract: the third value is 0.001 x 0.96**2 = 0.0009216, "
             "not 0.001 - 2 x 0.00004 (lesson 5).",
        'B': "At step 0 the exponent is floor(0 / 1000) = 0, so the schedule starts at 0.001 itself; the "
             "first drop comes at step 1000 (lesson 5).",
        'C': "Right (lesson 5): with staircase=True the rate is 0.001 x 0.96**floor(step / 1000), i.e. "
             "0.96 to the power 0, 1, 2 and 3. Stored in float32, float(schedule(1000)) prints "
             "0.0009600000339560211.",
        'D': "Staircase drops the rate by 0.96 at every multiple of decay_steps, not once: "
             "0.001 x 0.96**floor(step / 1000) (lesson 5).",
    },
    'learning_rate_call': {
        'A': "That is schedule(1000), the schedule's own value. optimizer.learning_rate is not the schedule: "
             "lesson 5 showed that calling it raises TypeError.",
        'B': "Right (lesson 5): with a schedule, optimizer.learning_rate is the schedule evaluated at "
             "optimizer.iterations, a tensor; calling it raises TypeError (\"'EagerTensor' object is not "
             "callable\" on TensorFlow). Call the schedule itself: schedule(1000).",
        'C': "Lesson 5 showed that optimizer.learning_rate(1000) returns no number at all: calling it "
             "raises TypeError, since optimizer.learning_rate is already a value.",
        'D': "The attribute exists: optimizer.learning_rate is the current rate, a tensor. It is calling it "
             "that fails, with TypeError (lesson 5).",
    },
    'nan_few_batches': {
        'A': "Right. Lesson 6 measured it on the course's classifier: Adam at 0.01, 0.1 and 1.0 kept every "
             "loss finite over an epoch on three seeds (while the base forgot its source task), where plain "
             "SGD at 0.1 went to inf and NaN; it also produced NaN from a NaN in the data, a log(0) in a "
             "hand-written loss and float16 overflow. That is one model, not a law: check those causes, "
             "find the op with tf.debugging.enable_check_numerics, and lower the rate anyway.",
        'B': "Lesson 6 measured otherwise on the course's classifier: Adam at 0.01, and even at 1.0, kept "
             "every loss finite, while plain SGD at 0.1 went to inf and then NaN.",
        'C': "Lesson 6 measured otherwise for Adam: on the course's classifier the loss stayed finite at "
             "0.01, 0.1 and 1.0. What went NaN within an epoch there was plain SGD.",
        'D': "Adam does not clip: it divides each gradient by a running estimate of its size, so each weight "
             "moves by about the rate per step (lesson 6, section 5). clipnorm is the fix lesson 6 measured "
             "for plain SGD.",
    },
    'range_test': {
        'A': "The range test sees only training batches, each at a different rate; it says nothing about "
             "validation (lesson 6b: the validation split chooses).",
        'B': "Where the loss is lowest the rate is already close to where it blows up; lesson 6b reads a "
             "rate below it (min/10, or the steepest descent), and even that is a starting point.",
        'C': "Lesson 6b: after the head is trained the curve is nearly flat and its readings are unreliable, "
             "but it still shows where the whole network blows up, a ceiling for the fine-tuning rate.",
        'D': "Right (lesson 6b): on a new head the curve shows where the training loss falls fast, and on "
             "any model where it blows up; only held-out data says which rate generalises, so try rates "
             "below the blow-up on validation.",
    },
    'train_down_val_up': {
        'A': "Underfitting shows as a training loss that stays high; here the model fits the training set "
             "better and better while generalising worse.",
        'B': "It is the classic sign of overfitting, common with few labels: lesson 7 produces it on purpose.",
        'C': "Right (lesson 7): fine-tuning on ten images drove the training loss far below the validation "
             "loss, which stopped improving. EarlyStopping(monitor=\"val_loss\", restore_best_weights=True) "
             "returned a model whose validation loss equals the run's minimum.",
        'D': "Lesson 7 measured validation loss and accuracy moving in opposite directions: the model grows "
             "more confident on the digits it gets wrong. The validation loss is what EarlyStopping watches.",
    },
    'initial_epoch': {
        'A': "epochs is the epoch to stop at, not a number of epochs to add: with initial_epoch=20 and "
             "epochs=10 there is nothing left to run (lesson 7).",
        'B': "Right (lesson 7, measured on a toy model): epochs is the epoch to stop at, and 10 < 20, so fit "
             "returns at once. Write epochs=20 + 10.",
        'C': "Lesson 7 ran it: no error and no warning, which is why the mistake is easy to miss.",
        'D': "initial_epoch sets where the count starts; with epochs=10 below it, fit runs nothing at all "
             "(lesson 7).",
    },
    'gradient_scale_adam': {
        'A': "Right (lesson 8): Adam divides by a running estimate of the gradient's own size, so a factor "
             "of 0.1 cancels (measured ratio 1.000). Give the base a lower learning rate instead.",
        'B': "That holds for plain SGD, whose step is proportional to the gradient: lesson 8 measured a "
             "ratio of 0.1 for SGD and 1.000 for Adam.",
        'C': "Adam divides the scaled gradient by its scaled size: the factor cancels (lesson 8 measured a "
             "ratio of 1.000), it does not invert.",
        'D': "The gradients are smaller but far above eps, and the factor cancels in Adam's step: lesson 8 "
             "measured a ratio of 1.000.",
    },
    'discriminative_vs_two_phase': {
        'A': "Lesson 8 measured target accuracies within a few points, which recipe was ahead changing from "
             "seed to seed, and far more forgetting in one phase on every seed.",
        'B': "Right (lesson 8): one phase forgot far more of the source task on every seed, for a target "
             "accuracy within a few points. A random head's first gradients reach an unfrozen base at "
             "once; training the head first protects it.",
        'C': "They train different variables in a different order; lesson 8 measured different source and "
             "target accuracies.",
        'D': "Every loss stayed finite in lesson 8; the difference was forgetting.",
    },
    'cache_shuffle': {
        'A': "Its shuffling happens inside the dataset that cache() wraps, so it runs in the first epoch "
             "only; later epochs read the cache (lesson 9).",
        'B': "cache() keeps what the first epoch produced, already shuffled: it replays epoch 1, not the "
             "files' order.",
        'C': "Right (lesson 9): the cache stores the first epoch's batches and replays them. Cache single "
             "images (batch_size=None), then shuffle and batch after the cache: lesson 9 measured a new "
             "order every epoch that way.",
        'D': "The cache stores whole batches as the first epoch made them: the batches and the order inside "
             "them both repeat.",
    },
    'lora_when': {
        'A': "Lesson 3 measured fine-tuning at the head's own rate wiping out the source task, and twelve full "
             "copies each change the base: what LoRA avoids.",
        'B': "enable_lora on a frozen layer adds frozen factors (lesson 8b), so nothing in the base trains. "
             "Unfreeze first, then enable LoRA.",
        'C': "Switching a frozen base to trainable after enable_lora makes the original kernels trainable "
             "again (lesson 8b counted more trainable weights than full fine-tuning): the base changes.",
        'D': "Right (lesson 8b): the original kernels did not move at all and each customer gets only the "
             "factors, at rank 4 a tenth of full fine-tuning's trainable weights. Let each customer's "
             "validation split confirm it: on the course's base LoRA came close to full fine-tuning, ahead "
             "or behind depending on the draw.",
    },
}
