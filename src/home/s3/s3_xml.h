// The S3 XML replies coven reads (ListObjectsV2, Error, multipart initiate),
// parsed with http::ParseXml. Pure functions over the reply body, so that
// tests and fuzz/xml_reply_fuzz.cc can feed them hostile bytes.
#ifndef COVEN_HOME_S3_S3_XML_H_
#define COVEN_HOME_S3_S3_XML_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "coven/status.h"

namespace coven::home {

/// One <Contents> entry of a ListBucketResult.
struct S3ListedObject {
  std::string key;         ///< The full key, home prefix included.
  std::uint64_t size = 0;  ///< <Size>; 0 when missing or not a number.
};

/// A ListObjectsV2 page.
struct S3ListReply {
  std::vector<S3ListedObject> objects;  ///< In the server's order.
  bool truncated = false;               ///< <IsTruncated>true</IsTruncated>.
  std::string next_token;               ///< <NextContinuationToken>.
};

/// Parses a ListObjectsV2 reply body.
/// Errors: kInvalidArgument when the body is not acceptable XML (see
/// http::ParseXml) or its root is not <ListBucketResult>; the message
/// completes "the server's reply is ..." (http::XmlReplyError).
Result<S3ListReply> ParseS3ListReply(std::string_view xml);

/// <Code> and <Message> of an S3 <Error> reply.
struct S3ErrorReply {
  std::string code;
  std::string message;
};

/// Reads an error reply body. Never fails: a body that is empty (HEAD),
/// not XML or not an <Error> gives empty fields.
S3ErrorReply ParseS3ErrorReply(std::string_view xml);

/// The <UploadId> of an InitiateMultipartUploadResult.
/// Errors: kInvalidArgument when the body is not acceptable XML or has no
/// non-empty <UploadId>; the message completes "the server's reply is ...".
Result<std::string> ParseS3UploadId(std::string_view xml);

/// Whether a 200 reply to CompleteMultipartUpload reports success: an
/// empty body, or XML whose root is not <Error>.
/// Errors: kInvalidArgument when the body is not acceptable XML; an <Error>
/// reply is kUnavailable "completing the multipart upload failed: <Code>:
/// <Message>".
Status CheckS3CompleteReply(std::string_view xml);

}  // namespace coven::home

#endif  // COVEN_HOME_S3_S3_XML_H_
