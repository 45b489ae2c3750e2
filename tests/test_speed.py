"""Tests of the speed helpers: traced inference and seeded shuffles (recipes.predict, data.as_dataset)."""
import keras
import numpy as np
import pytest

import finetune_course as fc
from finetune_course import model, recipes
from finetune_course.internals import speed



def test_predict_matches_an_eager_call_and_never_mixes_up_models(task):
    """``recipes.predict`` shares one traced twin between models of one architecture: it must
    give each model its own outputs, whatever was evaluated before."""
    first = model.build_classifier(fc.load_pretrained_base())
    second = fc.copy_classifier(first)
    second.layers[-1].set_weights([w + 0.5 for w in second.layers[-1].get_weights()])
    fc.get_base(second).trainable = False   # flags do not change inference, so the twin is shared
    x = task.val.x
    for classifier in (first, second, first, second):   # the first call is eager, the rest traced
        np.testing.assert_allclose(recipes.predict(classifier, x),
                                   keras.ops.convert_to_numpy(classifier(x, training=False)), rtol=1e-5, atol=1e-6)
    assert not np.allclose(recipes.predict(first, x), recipes.predict(second, x))
    assert speed._traced_twin.cache_info().currsize >= 1
    toy = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])   # another architecture
    np.testing.assert_allclose(recipes.predict(toy, np.ones((4, 3))),
                               keras.ops.convert_to_numpy(toy(np.ones((4, 3)))), rtol=1e-6)


def test_seeded_dataset_repeats_its_order_whatever_ran_before(task):
    import tensorflow as tf

    def epochs(seed):
        dataset = fc.as_dataset(task.train, 10, seed=seed)
        return [np.concatenate([y for _, y in dataset.as_numpy_iterator()]) for _ in range(2)]

    first = epochs(3)
    tf.random.uniform(())   # other random ops in between must not matter
    again = epochs(3)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], first[1])   # reshuffled every epoch
    assert not np.array_equal(first[0], epochs(4)[0])
    with pytest.raises(ValueError, match="seed"):
        fc.as_dataset(task.train, 10, seed=-1)


def test_seed_model_and_shuffle_repeats_initial_weights_and_rejects_bad_seeds():
    fc.environment.seed_model_and_shuffle(4)
    a = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)]).get_weights()[0]
    fc.environment.seed_model_and_shuffle(4)
    b = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)]).get_weights()[0]
    np.testing.assert_array_equal(a, b)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="seed"):
            fc.environment.seed_model_and_shuffle(bad)


def test_load_source_model_builds_in_code_what_the_file_holds():
    """load_source_model builds the architecture in code and reads only the weights (so Keras
    3.13 can load a file saved by 3.15, whose load_model it cannot): the layers the file records
    (config.json inside the .keras archive, read without Keras) must be the ones built, with the
    same options wherever both versions name one."""
    import json
    import zipfile

    def layers(config):   # (class, name, options) of every layer, nested models included
        found = []
        for layer in config["config"].get("layers", []):
            options = {k: v for k, v in layer["config"].items()   # initializers: overwritten by the weights
                       if k not in ("layers", "dtype") and not k.endswith("_initializer")}
            found.append((layer["class_name"], layer["config"].get("name"), options))
            found += layers(layer)
        return found

    with zipfile.ZipFile(model.SOURCE_MODEL_FILE) as archive:
        saved = layers(json.loads(archive.read("config.json")))
    built = layers(json.loads(model.load_source_model().to_json()))
    assert [(c, n) for c, n, _ in built if c != "InputLayer"] == [(c, n) for c, n, _ in saved if c != "InputLayer"]
    for (cls, name, mine), (_, _, theirs) in zip([b for b in built if b[0] != "InputLayer"],
                                                 [s for s in saved if s[0] != "InputLayer"]):
        shared = set(mine) & set(theirs)
        assert {k: mine[k] for k in shared} == {k: theirs[k] for k in shared}, (cls, name)
