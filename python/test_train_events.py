import io
import json
import unittest

from train_events import EVENT_FIELDS, EventWriter, curves_from_log_history, make_event, sample_events


class BrokenPipe(io.StringIO):
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")


class EventTest(unittest.TestCase):
    def test_one_json_object_per_line_with_exactly_the_protocol_fields(self):
        stream = io.StringIO()
        writer = EventWriter(stream)
        writer.emit("step", step=10, total=225, loss=1.5, lr=2e-4, epoch=0.13)
        writer.note("loading the model")
        lines = stream.getvalue().splitlines()
        self.assertEqual([json.loads(line) for line in lines], [
            {"event": "step", "step": 10, "total": 225, "loss": 1.5, "lr": 2e-4, "epoch": 0.13},
            {"event": "note", "message": "loading the model"},
        ])

    def test_missing_unexpected_or_unknown_fields_are_refused(self):
        with self.assertRaisesRegex(ValueError, r"missing \['lr'\], unexpected \['learning_rate'\]"):
            make_event("step", step=1, total=2, loss=1.0, learning_rate=1e-4, epoch=0.1)
        with self.assertRaisesRegex(ValueError, "unknown event 'finished'"):
            make_event("finished")

    def test_a_diverged_loss_is_null_not_invalid_json(self):
        stream = io.StringIO()
        EventWriter(stream).emit("done", adapter="joco-lora", steps=2, runtime=1.0, train_loss=float("nan"), eval_loss=float("inf"),
                                 loss_curve=[{"step": 1, "loss": float("nan")}], eval_curve=[])
        event = json.loads(stream.getvalue())
        self.assertIsNone(event["train_loss"])
        self.assertIsNone(event["eval_loss"])
        self.assertEqual(event["loss_curve"], [{"step": 1, "loss": None}])

    def test_a_vanished_launcher_does_not_stop_training(self):
        writer = EventWriter(BrokenPipe())
        writer.emit("progress", step=1, total=2, epoch=0.5)
        writer.emit("checkpoint", path="outputs/checkpoint-1", step=1)
        self.assertFalse(writer.connected)

    def test_sample_events_cover_every_kind(self):
        samples = sample_events()
        self.assertEqual({event["event"] for event in samples}, set(EVENT_FIELDS))
        for event in samples:
            self.assertEqual(set(event) - {"event"}, set(EVENT_FIELDS[event["event"]]))
        json.dumps(samples, allow_nan=False)

    def test_curves_come_from_the_trainer_log_history(self):
        history = [
            {"loss": 2.5, "learning_rate": 1e-4, "epoch": 0.1, "step": 10},
            {"eval_loss": 2.0, "eval_runtime": 3.1, "step": 10},
            {"loss": 1.5, "learning_rate": 2e-4, "epoch": 0.2, "step": 20},
            {"train_runtime": 60.0, "train_loss": 2.0, "step": 20},
        ]
        self.assertEqual(curves_from_log_history(history), (
            [{"step": 10, "loss": 2.5}, {"step": 20, "loss": 1.5}],
            [{"step": 10, "eval_loss": 2.0}],
        ))


if __name__ == "__main__":
    unittest.main()
