"""Drives a real animate server (and worker) through animate_client.py.

Run by client/tests/e2e/python_client.sh, which starts the stack and sets
ANIMATE_SERVER and ANIMATE_SAMPLE_DIR, with the stubs on PYTHONPATH.
"""
import hashlib
import os
import tempfile
import unittest

from animate.v1 import animate_service_pb2 as pb
from animate_client import AnimateClient, AnimateError

SERVER = os.environ["ANIMATE_SERVER"]
SAMPLES = os.environ["ANIMATE_SAMPLE_DIR"]
JOB = dict(width=64, height=64, frame_count=5, steps=3, seed=11)


class AnimateClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = AnimateClient(SERVER)
        cls.image, _ = cls.client.upload(os.path.join(SAMPLES, "reference.png"),
                                         pb.ASSET_KIND_REFERENCE_IMAGE)
        cls.pose, _ = cls.client.upload(os.path.join(SAMPLES, "pose.mp4"),
                                        pb.ASSET_KIND_POSE_VIDEO)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    def test_health(self):
        self.assertEqual(self.client.health(), 1)

    def test_upload_dedup_and_media_info(self):
        asset, deduplicated = self.client.upload(os.path.join(SAMPLES, "reference.png"),
                                                 pb.ASSET_KIND_REFERENCE_IMAGE)
        self.assertTrue(deduplicated)
        self.assertEqual(asset.asset_id, self.image.asset_id)
        self.assertEqual(self.pose.media.width, 128)
        self.assertGreater(self.pose.media.frame_count, 1)

    def test_wrong_hash_names_the_field(self):
        with self.assertRaises(AnimateError) as caught:
            self.client.upload(b"\x89PNG not really", pb.ASSET_KIND_REFERENCE_IMAGE,
                               sha256="0" * 64)
        self.assertEqual(caught.exception.code.name, "INVALID_ARGUMENT")
        self.assertEqual(caught.exception.field, "header.sha256")

    def test_job_watch_resume_download(self):
        created = self.client.create(self.image.asset_id, self.pose.asset_id, **JOB)
        job_id = created.job.job_id
        video = bytearray()
        sequences = []
        states = []
        for event in self.client.watch(job_id, include_video=True):
            if event.sequence:
                sequences.append(event.sequence)
            if event.HasField("video_chunk"):
                chunk = event.video_chunk
                if chunk.offset == 0:
                    video = bytearray()  # a retried attempt starts over
                self.assertEqual(chunk.offset, len(video))
                video += chunk.data
            if event.HasField("state_change"):
                states.append(event.state_change.state)
        self.assertEqual(states[-1], pb.JOB_STATE_SUCCEEDED)
        self.assertEqual(sequences, sorted(set(sequences)), "sequences repeat or go back")
        job = self.client.get(job_id)
        self.assertEqual(hashlib.sha256(video).hexdigest(), job.result.sha256)

        # Resuming from the middle replays exactly the rest (video events
        # included only when asked for).
        middle = sequences[len(sequences) // 2]
        rest = [e.sequence for e in self.client.watch(job_id, from_sequence=middle,
                                                      include_video=True) if e.sequence]
        self.assertEqual(rest, [s for s in sequences if s >= middle])
        no_video = list(self.client.watch(job_id, from_sequence=middle))
        self.assertFalse(any(e.HasField("video_chunk") for e in no_video))

        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "out.mp4")
            info = self.client.download(job_id, path)
            self.assertEqual(info.sha256, job.result.sha256)
            with open(path, "r+b") as f:
                f.truncate(info.size_bytes // 2)
            self.client.download(job_id, path, resume=True)
            with open(path, "rb") as f:
                self.assertEqual(f.read(), bytes(video))
        self.client.delete(job_id)
        with self.assertRaises(AnimateError) as caught:
            self.client.get(job_id)
        self.assertEqual(caught.exception.code.name, "NOT_FOUND")

    def test_idempotency_and_cancel(self):
        key = "py-" + os.urandom(6).hex()
        first = self.client.create(self.image.asset_id, self.pose.asset_id, idempotency_key=key,
                                   **dict(JOB, steps=100))
        again = self.client.create(self.image.asset_id, self.pose.asset_id, idempotency_key=key,
                                   **dict(JOB, steps=100))
        self.assertTrue(again.existing)
        self.assertEqual(first.job.job_id, again.job.job_id)
        with self.assertRaises(AnimateError) as caught:
            self.client.create(self.image.asset_id, self.pose.asset_id, idempotency_key=key,
                               **dict(JOB, steps=99))
        self.assertEqual(caught.exception.code.name, "ALREADY_EXISTS")
        self.client.cancel(first.job.job_id)
        final = [e.state_change.state for e in self.client.watch(first.job.job_id)
                 if e.HasField("state_change")]
        self.assertEqual(final[-1], pb.JOB_STATE_CANCELLED)
        listed = self.client.list(state=pb.JOB_STATE_CANCELLED)
        self.assertIn(first.job.job_id, [j.job_id for j in listed.jobs])

    def test_invalid_parameter(self):
        with self.assertRaises(AnimateError) as caught:
            self.client.create(self.image.asset_id, self.pose.asset_id, frame_count=6)
        self.assertEqual(caught.exception.code.name, "INVALID_ARGUMENT")
        self.assertIn("frame_count", caught.exception.field)


if __name__ == "__main__":
    unittest.main(verbosity=2)
