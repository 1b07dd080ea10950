"""The fields of transformers' TrainerState, one a line, for tests/cli/train_trainer.sh:
trainer_state.json must hold these and no others, or TrainerState.load_from_json
(which is cls(**json.loads(text))) raises TypeError. Rerun with the reference venv:
    python tests/golden/make_trainer_state_fields.py > tests/golden/fixtures/trainer/trainer_state_fields.txt
It also checks the claim on a state written the way train writes it."""
import dataclasses
import json
import os
import sys
import tempfile

import transformers
from transformers.trainer_callback import TrainerState

fields = [f.name for f in dataclasses.fields(TrainerState)]
sample = {k: None for k in fields}
sample.update(global_step=3, epoch=1.0, max_steps=3, log_history=[{"loss": 0.5, "step": 3}],
              stateful_callbacks={"pipetune": {"args": {}, "attributes": {"seed": 42}}})
with tempfile.TemporaryDirectory() as d:
    p = os.path.join(d, "trainer_state.json")
    with open(p, "w") as f:
        json.dump(sample, f)
    state = TrainerState.load_from_json(p)
    assert state.global_step == 3 and state.log_history[0]["loss"] == 0.5
    sample["seed"] = 42
    with open(p, "w") as f:
        json.dump(sample, f)
    try:
        TrainerState.load_from_json(p)
        raise SystemExit("an unknown key loaded: the test's premise is wrong")
    except TypeError:
        pass
print(f"# transformers {transformers.__version__}: dataclasses.fields(TrainerState)")
print("\n".join(fields))
