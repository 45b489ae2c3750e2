"""What the helpers need and a learner never calls.

* :mod:`.compat` - every private Keras attribute or ``keras.src`` module the course touches;
* :mod:`.speed` - the caches that let the recipes run in seconds with unchanged results;
* :mod:`.pretrain` - how the shipped bases were pretrained (run by ``scripts/pretrain_base.py``
  and ``scripts/pretrain_mobilenet.py``; the capstone loads their weights, not this module).
"""
