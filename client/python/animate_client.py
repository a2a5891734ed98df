"""Small Python client of the animate service (animate.v1.AnimateService).

Needs the generated stubs on sys.path (generate_stubs.sh) and Debian's
python3-grpcio / python3-protobuf, i.e. run it with /usr/bin/python3.

    client = AnimateClient("127.0.0.1:50051", api_key=None)
    image = client.upload("reference.png", pb.ASSET_KIND_REFERENCE_IMAGE)
    pose = client.upload("pose.mp4", pb.ASSET_KIND_POSE_VIDEO)
    job = client.create(image.asset_id, pose.asset_id, steps=4).job
    for event in client.watch(job.job_id, include_video=True): ...
    client.download(job.job_id, "out.mp4")
"""
import hashlib
import os
import time

import grpc

from animate.v1 import animate_service_pb2 as pb
from animate.v1 import animate_service_pb2_grpc as pb_grpc

CHUNK_BYTES = 1 << 20
FINAL_STATES = (pb.JOB_STATE_SUCCEEDED, pb.JOB_STATE_FAILED, pb.JOB_STATE_CANCELLED)
# Stream errors a new WatchJob call may cure (connection lost, server restart).
TRANSIENT_CODES = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.UNKNOWN,
                   grpc.StatusCode.INTERNAL, grpc.StatusCode.ABORTED)


class AnimateError(Exception):
    """A failed call: gRPC code, message and the field the server named."""

    def __init__(self, call, error):
        self.code = error.code()
        self.details = error.details()
        trailers = dict(error.trailing_metadata() or ())
        self.field = trailers.get("animate-field", "")
        self.retry_after_ms = trailers.get("retry-after-ms", "")
        text = f"{call} failed: {self.code.name}: {self.details}"
        if self.field:
            text += f" (field: {self.field})"
        super().__init__(text)


class AnimateClient:
    def __init__(self, target, api_key=None, root_certificates=None, timeout=30.0):
        if root_certificates is not None:
            credentials = grpc.ssl_channel_credentials(root_certificates=root_certificates)
            self._channel = grpc.secure_channel(target, credentials)
        else:
            self._channel = grpc.insecure_channel(target)
        self._stub = pb_grpc.AnimateServiceStub(self._channel)
        self._metadata = (("authorization", f"Bearer {api_key}"),) if api_key else ()
        self._timeout = timeout

    def close(self):
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _unary(self, name, request):
        try:
            return getattr(self._stub, name)(request, timeout=self._timeout,
                                             metadata=self._metadata)
        except grpc.RpcError as error:
            raise AnimateError(name, error) from None

    # ------------------------------------------------------------ assets
    def upload(self, source, kind, filename=None, sha256=None):
        """Uploads a path or bytes; returns the stored pb.Asset."""
        if isinstance(source, (bytes, bytearray)):
            data = bytes(source)
            filename = filename or "upload"
        else:
            with open(source, "rb") as f:
                data = f.read()
            filename = filename or os.path.basename(source)
        header = pb.AssetHeader(kind=kind, size_bytes=len(data),
                                sha256=sha256 or hashlib.sha256(data).hexdigest(),
                                filename=filename)

        def requests():
            yield pb.UploadAssetRequest(header=header)
            for at in range(0, len(data), CHUNK_BYTES):
                yield pb.UploadAssetRequest(chunk=data[at:at + CHUNK_BYTES])

        try:
            response = self._stub.UploadAsset(requests(), metadata=self._metadata)
        except grpc.RpcError as error:
            raise AnimateError("UploadAsset", error) from None
        return response.asset, response.deduplicated

    # ------------------------------------------------------------ jobs
    def create(self, reference_image, pose_video, reference_pose="", priority=0,
               idempotency_key="", **params):
        """CreateJob; params are JobParams fields (steps=4, width=64, ...)."""
        request = pb.CreateJobRequest(
            params=pb.JobParams(reference_image_asset_id=reference_image,
                                pose_video_asset_id=pose_video,
                                reference_pose_asset_id=reference_pose, **params),
            priority=priority, idempotency_key=idempotency_key)
        return self._unary("CreateJob", request)

    def get(self, job_id):
        return self._unary("GetJob", pb.GetJobRequest(job_id=job_id)).job

    def list(self, state=pb.JOB_STATE_UNSPECIFIED, page_size=0, page_token=""):
        return self._unary("ListJobs", pb.ListJobsRequest(state=state, page_size=page_size,
                                                          page_token=page_token))

    def cancel(self, job_id):
        return self._unary("CancelJob", pb.CancelJobRequest(job_id=job_id)).job

    def delete(self, job_id):
        self._unary("DeleteJob", pb.DeleteJobRequest(job_id=job_id))

    def watch(self, job_id, from_sequence=0, include_video=False, reconnect_seconds=60.0):
        """Yields WatchJobResponse events until the job ends, reconnecting
        from the last sequence + 1 after transient errors."""
        next_sequence = from_sequence
        failing_since = None
        while True:
            request = pb.WatchJobRequest(job_id=job_id, from_sequence=next_sequence,
                                         include_video=include_video)
            ended = False
            try:
                for event in self._stub.WatchJob(request, metadata=self._metadata):
                    failing_since = None
                    if event.sequence:
                        next_sequence = event.sequence + 1
                    yield event
                    if event.HasField("state_change") and event.state_change.state in FINAL_STATES:
                        ended = True
                if ended or self.get(job_id).state in FINAL_STATES:
                    return
            except grpc.RpcError as error:
                if error.code() not in TRANSIENT_CODES:
                    raise AnimateError("WatchJob", error) from None
                failing_since = failing_since or time.monotonic()
                if time.monotonic() - failing_since > reconnect_seconds:
                    raise AnimateError("WatchJob", error) from None
                time.sleep(0.5)

    def download(self, job_id, path, resume=False):
        """GetResult into path (appending after what is there with resume);
        returns the ResultInfo after checking size and sha256."""
        offset = os.path.getsize(path) if resume and os.path.exists(path) else 0
        info = None
        try:
            with open(path, "ab" if offset else "wb") as out:
                for message in self._stub.GetResult(
                        pb.GetResultRequest(job_id=job_id, offset=offset), metadata=self._metadata):
                    if message.HasField("info"):
                        info = message.info
                    if message.data:
                        if message.offset != offset:
                            raise IOError(f"GetResult sent offset {message.offset}, expected {offset}")
                        out.write(message.data)
                        offset += len(message.data)
        except grpc.RpcError as error:
            raise AnimateError("GetResult", error) from None
        if info is None:
            raise IOError("GetResult sent no result info")
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        if offset != info.size_bytes or digest != info.sha256:
            raise IOError(f"{path}: {offset} bytes sha256 {digest}, server says "
                          f"{info.size_bytes} bytes sha256 {info.sha256}")
        return info

    def health(self, service=""):
        """grpc.health.v1.Health/Check by hand (no grpc_health package in
        Debian): returns the ServingStatus number (1 = SERVING)."""
        encoded = service.encode()
        if len(encoded) > 127:
            raise ValueError("health: service names longer than 127 bytes are not supported")
        request = (b"\x0a" + bytes([len(encoded)]) + encoded) if encoded else b""
        check = self._channel.unary_unary("/grpc.health.v1.Health/Check",
                                          request_serializer=lambda r: r,
                                          response_deserializer=lambda r: r)
        response = check(request, timeout=self._timeout, metadata=self._metadata)
        return response[1] if len(response) >= 2 and response[0] == 0x08 else 0
