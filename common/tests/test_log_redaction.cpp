#include <gtest/gtest.h>

#include "animate/runtime/log_redaction.h"

namespace animate::runtime {
namespace {

TEST(LogRedaction, SecretFieldNames) {
  for (const char* name : {"password", "redis_password", "API_KEY", "apikey", "token",
                           "authorization", "client_secret", "credentials", "passwd"}) {
    EXPECT_TRUE(is_secret_field_name(name)) << name;
  }
  for (const char* name : {"tenant", "job_id", "method", "key_count", "url"}) {
    EXPECT_FALSE(is_secret_field_name(name)) << name;
  }
}

TEST(LogRedaction, UrlPasswordsAreMasked) {
  EXPECT_EQ(mask_url_passwords("redis://:pw@h:6379/0"), "redis://:***@h:6379/0");
  EXPECT_EQ(mask_url_passwords("a redis://u:p@h b rediss://:q@x/1 c"),
            "a redis://u:***@h b rediss://:***@x/1 c");
  EXPECT_EQ(mask_url_passwords("redis://h:6379/0"), "redis://h:6379/0");
  EXPECT_EQ(mask_url_passwords("redis://user@h/0"), "redis://user@h/0");
  EXPECT_EQ(mask_url_passwords("http://h/path?x=a:b@c"), "http://h/path?x=a:b@c");
  EXPECT_EQ(mask_url_passwords("redis://:p@ss@h/0"), "redis://:***@h/0") << "last @ ends it";
  EXPECT_EQ(mask_url_passwords("no url here: a@b"), "no url here: a@b");
}

TEST(LogRedaction, KnownSecretsAreMaskedEverywhere) {
  EXPECT_EQ(mask_secrets("x=hunter2 y=hunter2hunter2", {"hunter2"}),
            "x=[redacted] y=[redacted][redacted]");
  EXPECT_EQ(mask_secrets("nothing", {}), "nothing");
}

}  // namespace
}  // namespace animate::runtime
