// What kfm-energy records about a command line and a collector URL never holds a secret
// (src/otel/redact.h), while everything that is not secret stays as it was.
#include "otel/redact.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kfm::otel {
namespace {

using Argv = std::vector<std::string>;

TEST(RedactTest, SecretOptionValuesAreHiddenInBothSpellings) {
  EXPECT_EQ(
      RedactCommand({"job", "--api-key", "s3", "--out", "/data", "--token=s4", "-p", "x"}),
      (Argv{"job", "--api-key", "<redacted>", "--out", "/data", "--token=<redacted>", "-p", "x"}));
  EXPECT_EQ(RedactCommand({"job", "--DB_PASSWORD", "s5", "--client-secret=s6"}),
            (Argv{"job", "--DB_PASSWORD", "<redacted>", "--client-secret=<redacted>"}));
}

TEST(RedactTest, SecretAssignmentsAndUrlPasswordsAreHidden) {
  EXPECT_EQ(RedactCommand({"env", "AWS_SECRET_ACCESS_KEY=s7", "REGION=us", "run"}),
            (Argv{"env", "AWS_SECRET_ACCESS_KEY=<redacted>", "REGION=us", "run"}));
  EXPECT_EQ(RedactCommand({"curl", "https://me:s8@example.org/a?b=c", "https://example.org/@x"}),
            (Argv{"curl", "https://me:<redacted>@example.org/a?b=c", "https://example.org/@x"}));
}

TEST(RedactTest, OrdinaryCommandsAreUnchanged) {
  const Argv argv = {"kfm-hrrr-ingest", "--input", "a=b", "--out", "/x/y", "-v", "--", "z"};
  EXPECT_EQ(RedactCommand(argv), argv);
  // A program whose own name looks secret is still named.
  EXPECT_EQ(RedactCommand({"--token-tool", "arg"}), (Argv{"--token-tool", "arg"}));
}

TEST(RedactTest, UrlsLoseOnlyTheirPassword) {
  EXPECT_EQ(RedactUrl("http://user:pw@127.0.0.1:4318/v1/traces"),
            "http://user:<redacted>@127.0.0.1:4318/v1/traces");
  EXPECT_EQ(RedactUrl("http://user@host/v1/traces"), "http://user@host/v1/traces");
  EXPECT_EQ(RedactUrl("http://host:4318/v1/traces"), "http://host:4318/v1/traces");
  EXPECT_EQ(RedactUrl("not a url"), "not a url");
}

TEST(RedactTest, SecretNamesAreRecognisedWhateverTheirSpelling) {
  for (const char* name : {"token", "API_KEY", "api-key", "Authorization", "db.password",
                           "PRIVATE_KEY", "aws_access_key_id", "passwd", "credentials"}) {
    EXPECT_TRUE(LooksSecret(name)) << name;
  }
  for (const char* name : {"input", "out", "region", "window", "domain"}) {
    EXPECT_FALSE(LooksSecret(name)) << name;
  }
}

}  // namespace
}  // namespace kfm::otel
