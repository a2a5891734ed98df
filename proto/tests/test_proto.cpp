// Smoke tests of the generated API: the stubs link, the messages round-trip,
// and the presence semantics the server relies on (optional fields) hold.
#include <gtest/gtest.h>

#include "animate/v1/animate_service.grpc.pb.h"
#include "animate/v1/animate_service.pb.h"

namespace {

TEST(Proto, JobParamsRoundTripKeepsPresence) {
  animate::v1::JobParams params;
  params.set_reference_image_asset_id("refimg_00");
  params.set_steps(0);  // explicitly zero: must stay distinguishable from unset
  params.set_sampler(animate::v1::SAMPLER_UNIPC);

  std::string wire;
  ASSERT_TRUE(params.SerializeToString(&wire));
  animate::v1::JobParams back;
  ASSERT_TRUE(back.ParseFromString(wire));
  EXPECT_EQ(back.reference_image_asset_id(), "refimg_00");
  EXPECT_TRUE(back.has_steps());
  EXPECT_EQ(back.steps(), 0u);
  EXPECT_FALSE(back.has_cfg_scale());
  EXPECT_FALSE(back.has_seed());
  EXPECT_EQ(back.sampler(), animate::v1::SAMPLER_UNIPC);
}

TEST(Proto, UploadRequestIsHeaderOrChunk) {
  animate::v1::UploadAssetRequest request;
  request.mutable_header()->set_kind(animate::v1::ASSET_KIND_POSE_VIDEO);
  EXPECT_EQ(request.payload_case(), animate::v1::UploadAssetRequest::kHeader);
  request.set_chunk("bytes");
  EXPECT_EQ(request.payload_case(), animate::v1::UploadAssetRequest::kChunk);
}

TEST(Proto, ServiceHasEveryMethod) {
  // The stub class exists (links against grpc++).
  EXPECT_STREQ(animate::v1::AnimateService::service_full_name(), "animate.v1.AnimateService");
  const auto* service =
      animate::v1::JobParams::descriptor()->file()->FindServiceByName("AnimateService");
  ASSERT_NE(service, nullptr);
  for (const char* name : {"UploadAsset", "CreateJob", "GetJob", "ListJobs", "CancelJob",
                           "DeleteJob", "WatchJob", "GetResult"}) {
    EXPECT_NE(service->FindMethodByName(name), nullptr) << name;
  }
  EXPECT_TRUE(service->FindMethodByName("UploadAsset")->client_streaming());
  EXPECT_TRUE(service->FindMethodByName("WatchJob")->server_streaming());
  EXPECT_TRUE(service->FindMethodByName("GetResult")->server_streaming());
}

}  // namespace
