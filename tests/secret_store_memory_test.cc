#include <gtest/gtest.h>

#include "coven/secret_store.h"

namespace coven::keys {
namespace {

TEST(MemorySecretStoreTest, BehavesLikeAStore) {
  auto store = MakeMemorySecretStore();
  EXPECT_EQ(store->Get("k").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store->Put("k", ToBytes("one")).ok());
  EXPECT_TRUE(store->Put("k", ToBytes("one")).ok());
  EXPECT_EQ(store->Put("k", ToBytes("two")).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(*store->Get("k"), ToBytes("one"));
  EXPECT_TRUE(store->Remove("k").ok());
  EXPECT_TRUE(store->Remove("k").ok());
  EXPECT_EQ(store->Get("k").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->Put("Bad", ToBytes("v")).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Put("k", {}).code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store->Describe().find("in-memory"), std::string::npos);
}

TEST(MemorySecretStoreTest, StoresAreIndependent) {
  auto a = MakeMemorySecretStore();
  auto b = MakeMemorySecretStore();
  ASSERT_TRUE(a->Put("k", ToBytes("v")).ok());
  EXPECT_EQ(b->Get("k").status().code(), StatusCode::kNotFound);
}

TEST(SecretNameTest, AcceptsOnlyTheDocumentedAlphabet) {
  EXPECT_TRUE(ValidateSecretName("library-key.0_a").ok());
  EXPECT_TRUE(ValidateSecretName("a..b").ok());
  EXPECT_FALSE(ValidateSecretName("").ok());
  EXPECT_FALSE(ValidateSecretName(".").ok());
  EXPECT_FALSE(ValidateSecretName("..").ok());
  EXPECT_FALSE(ValidateSecretName("naïve").ok());
  EXPECT_FALSE(ValidateSecretName(std::string("a\0b", 3)).ok());
  EXPECT_FALSE(ValidateSecretName(std::string(65, 'a')).ok());
}

}  // namespace
}  // namespace coven::keys
