"""The review quiz's answer key and explanations in the clear, for maintainers: not part of the
installed package, so a learner's kernel cannot read it. tests/test_checks_5_8.py asserts that
finetune_course/quiz.py holds exactly these, sealed (quiz.seal)."""

ANSWERS = {'why_lower_lr': 'B',
 'staircase_values': 'B',
 'small_dataset_lr': 'C',
 'train_down_val_up': 'B',
 'nan_few_batches': 'C',
 'recompile': 'C',
 'batchnorm_training_false': 'B',
 'gradient_scale_adam': 'C',
 'discriminative_vs_two_phase': 'B',
 'unfreeze_last_zero': 'C'}

WHY = {'why_lower_lr': {'A': "Keras trains at whatever rate you give it; lesson 3 fine-tuned at the head's own "
                       'rate, 1e-2.',
                  'B': 'Right. Lesson 3 measured it: at 1e-2 the base forgot its source task entirely '
                       '(source accuracy near chance) and did worse than the frozen model; at 1e-3 it beat '
                       'the control on every seed.',
                  'C': 'The rate does not change the cost of a step; lesson 4 timed steps against the number '
                       'of unfrozen layers, not the rate.',
                  'D': 'Lesson 6 measured otherwise: with Adam at 0.01 the loss stayed finite; the damage '
                       'was silent forgetting.'},
 'staircase_values': {'A': "Those are the schedule's own values, schedule(step) for steps 0, 1000, 2000, "
                           '3000 (0.001 x 0.96**(step // 1000)); but optimizer.learning_rate is not the '
                           "schedule: in Keras 3 it is the rate at the optimizer's current step, a tensor, "
                           'and calling it raises TypeError (lesson 5).',
                      'B': 'Right (lesson 5): in Keras 3 optimizer.learning_rate evaluates the schedule at '
                           'optimizer.iterations and returns a tensor, so calling it raises TypeError '
                           '("\'EagerTensor\' object is not callable" on TensorFlow). Call the schedule '
                           'itself: schedule(1000) is 0.00096, stored in float32 (float() shows '
                           '0.0009600000339560211).',
                      'C': 'Even as schedule(step), the decay compounds: 0.001 x 0.96**2 = 0.0009216, not '
                           '0.001 - 2 x 0.00004. And optimizer.learning_rate(step) is not a way to ask for '
                           'it at all: it raises TypeError in Keras 3.',
                      'D': 'Staircase keeps the rate constant between multiples of decay_steps and drops it '
                           'by 0.96 at each one; and optimizer.learning_rate(step) does not return a rate at '
                           'all in Keras 3: it raises TypeError.'},
 'small_dataset_lr': {'A': 'Few examples and large steps are exactly how a base forgets; lesson 3 measured '
                           'the collapse at 1e-2.',
                      'B': "The head's rate suits a random layer; lesson 3 measured it destroying the base's "
                           'features.',
                      'C': 'Right: small steps adjust the pretrained features instead of replacing them '
                           '(lesson 3); the best value depends on how far the target is from the source, so '
                           'measure around it.',
                      'D': 'Adam normalises each gradient, so its step is about the learning rate itself: '
                           'the rate is the only thing that sets how far the base moves (lessons 3 and 8).'},
 'train_down_val_up': {'A': 'Underfitting shows as a training loss that stays high; here the model fits the '
                            'training set better and better while generalising worse.',
                       'B': "Right: the model memorises the few training examples. Keras 3's EarlyStopping "
                            "with restore_best_weights=True returns the best validation epoch's weights.",
                       'C': 'It is the classic sign of overfitting, common with few labels (lesson 7 shows '
                            'it on purpose).',
                       'D': 'Accuracy can still rise for a while, but a rising validation loss means the '
                            'model grows over-confident where it is wrong: it has started to memorise, and '
                            'the loss is the earlier warning.'},
 'nan_few_batches': {'A': 'That is how plain SGD blows up: its step is the rate times the gradient, so on a '
                          'sharply curved loss each step overshoots more (lesson 6: SGD at 0.01, '
                          "learning_rate x lambda_max about 14, inf/NaN within 3 batches). Adam's step does "
                          'not grow with the gradient.',
                     'B': 'Folklore: lesson 6 ran Adam at 0.01 on the very model where SGD at 0.01 went NaN, '
                          'and the loss stayed finite; the base was silently ruined instead (source accuracy '
                          'at chance).',
                     'C': 'Right (lesson 6): Adam at 0.01 kept the loss finite where SGD at 0.01 overflowed, '
                          "because Adam's step is about the rate whatever the gradient's size; the NaN "
                          'causes lesson 6 found besides the rate are bad data, log(0) and float16 overflow. '
                          "A finite loss is not a good one: Adam at 0.01 wrecked the base's source task.",
                     'D': 'Frozen BatchNorm is the recommended setting for fine-tuning (lesson 4); it does '
                          'not make losses NaN.'},
 'recompile': {'A': 'Lesson 2 measured a weight change of exactly 0 for the base: the train function was '
                    'traced with the old list of trainable weights.',
               'B': 'No error and no warning: that is what makes the mistake easy to miss. fc.RecompileGuard '
                    'catches it.',
               'C': 'Right (lesson 2): changes to trainable take effect at the next compile. The reverse '
                    'holds too: freezing after training without recompiling keeps training the base.',
               'D': 'No weight of the base changes at all until you recompile (lesson 2).'},
 'batchnorm_training_false': {'A': 'That was the advice for older Keras; lesson 4 measured the moving mean '
                                   'moving in Keras 3.',
                              'B': 'Right (lesson 4): a non-trainable BatchNormalization layer runs in '
                                   'inference mode whatever training says.',
                              'C': "No error: the outer call's training value simply wins "
                                   '(keras/src/models/functional.py).',
                              'D': 'Nothing resets them; they drift towards the statistics of the small '
                                   'fine-tuning batches.'},
 'gradient_scale_adam': {'A': 'That holds for plain SGD, whose step is proportional to the gradient; lesson '
                              '8 measured a ratio of 0.1 for SGD and 1.000 for Adam.',
                         'B': 'The scale changes nothing under Adam (lesson 8 measured a ratio of 1.000).',
                         'C': "Right: Adam divides by a running estimate of the gradient's own size, so a "
                              'factor of 0.1 cancels (lesson 8).',
                         'D': 'The gradients are smaller but not zero, and Adam rescales them anyway.'},
 'discriminative_vs_two_phase': {'A': 'The measurement says otherwise: accuracy was about the same, and '
                                      'source accuracy left was far lower in one phase on every seed.',
                                 'B': "Right: a random head's first gradients reach an unfrozen base at "
                                      'once; training the head first is what protects the base.',
                                 'C': 'They train different parameters in a different order; their results '
                                      'differ.',
                                 'D': 'Every loss stayed finite; the difference was forgetting.'},
 'unfreeze_last_zero': {'A': 'base.layers[:-0] is base.layers[:0], an empty slice (lesson 4 asserts it); to '
                             'freeze everything set base.trainable = False.',
                        'B': 'The slice [:-0] is empty, so no layer is frozen at all.',
                        'C': 'Right (lesson 4). The idiom also unfreezes the BatchNorm layers among the last '
                             'N; freeze those again.',
                        'D': 'The loop freezes nothing, so every layer, BatchNorm included, stays '
                             'trainable.'}}
