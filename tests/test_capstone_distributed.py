"""The capstone trains under tf.distribute.MirroredStrategy with two replicas and gets the result
of one device (lesson 9's scale-out claim).

Two logical CPU devices must be configured before TensorFlow initialises, so the training runs in
a fresh Python process that prints its results as JSON. Both runs use the same global batch, seed
and data; augmentation and dropout are off, because each replica draws its own random numbers.
What is left differs only in the order of floating-point sums (each replica sums its half of the
batch, then the two halves are added). Measured on a 2-core x86 CPU (Keras 3.15, TF 2.21): the
losses of the two epochs agree to 1e-7 relative and the head's weights to 1e-8 absolute (4e-8
with 30 layers unfrozen and a 10x higher rate). The tolerances below (1e-4 relative on the losses,
1e-5 absolute on the weights) are about 1000x that, room for other CPUs' summation orders, yet a
real mistake fails them by far: with the global batch not scaled by the replicas (24 instead of
12, so half the steps) the losses differ by 0.6% and 6% and the weights by 5e-3 (measured).
"""
import json
import os
import subprocess
import sys
import textwrap

import pytest
from support import ROOT

pytestmark = pytest.mark.slow   # runs notebooks or servers: skipped by -m "not slow"

SCRIPT = textwrap.dedent("""
    import json, shutil, sys, tempfile
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import numpy as np
    import finetune_course as fc
    from finetune_course import capstone, images

    fc.set_seeds(0)
    workdir = tempfile.mkdtemp()
    folder = images.make_demo_image_folder(workdir + "/demo", per_class=16, size=32, seed=0)
    # The course's pretrained MobileNetV2 weights (the default), no augmentation (see above).
    config = capstone.CapstoneConfig(image_size=(32, 32), batch_per_replica=6, validation_split=0.25,
                                     head_epochs=1, tune_epochs=1, unfreeze_top=10, rotation=0.0, translation=0.0,
                                     dropout=0.0, seed=0)

    def run(strategy, batch_per_replica):
        config.batch_per_replica = batch_per_replica
        result = capstone.train_capstone(folder, config, strategy)
        head, tune = result["histories"]
        return {"replicas": result["replicas"],
                "losses": head.history["loss"] + tune.history["loss"],
                "weights": [w.tolist() for w in result["model"].get_layer("logits").get_weights()],
                "logical_cpus": len(tf.config.list_logical_devices("CPU"))}

    # 48 images: 36 to train, 12 to validate, so every batch is full (a partial batch would be split
    # unevenly between the replicas).
    mirrored = run(tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]), 6)   # global batch 12
    single = run(tf.distribute.OneDeviceStrategy("/cpu:0"), 12)                 # global batch 12
    single["max_abs_weight_difference"] = max(float(np.max(np.abs(np.array(a) - np.array(b))))
                                              for a, b in zip(mirrored["weights"], single["weights"]))
    shutil.rmtree(workdir)
    print("RESULT" + json.dumps({"mirrored": mirrored, "single": single}))
""")


@pytest.fixture(scope="module")
def results():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300, env=env,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    line = [line for line in done.stdout.splitlines() if line.startswith("RESULT")][-1]
    return json.loads(line[len("RESULT"):])


def test_two_replicas_were_used(results):
    assert results["mirrored"]["logical_cpus"] == 2
    assert results["mirrored"]["replicas"] == 2
    assert results["single"]["replicas"] == 1


def test_mirrored_matches_one_device(results):
    import numpy as np

    m, s = results["mirrored"], results["single"]
    np.testing.assert_allclose(m["losses"], s["losses"], rtol=1e-4)
    for wm, ws in zip(m["weights"], s["weights"]):
        np.testing.assert_allclose(np.array(wm), np.array(ws), rtol=0, atol=1e-5)
