#include "home/s3/s3_xml.h"

#include <cstdlib>

#include "home/http/xml_reader.h"

namespace coven::home {
namespace {

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::uint64_t ParseSize(const std::string& text) {
  return std::strtoull(text.c_str(), nullptr, 10);
}

}  // namespace

Result<S3ListReply> ParseS3ListReply(std::string_view xml) {
  COVEN_ASSIGN_OR_RETURN(http::XmlDocument doc, http::ParseXml(xml));
  if (doc.root.name != "ListBucketResult") {
    return InvalidArgumentError("not a ListBucketResult (its root is <" +
                                doc.root.name.substr(0, 64) + ">)");
  }
  S3ListReply reply;
  for (const http::XmlElement* contents : doc.root.Children("Contents")) {
    reply.objects.push_back(
        {contents->ChildText("Key"), ParseSize(contents->ChildText("Size"))});
  }
  reply.truncated = doc.root.ChildText("IsTruncated") == "true";
  reply.next_token = doc.root.ChildText("NextContinuationToken");
  return reply;
}

S3ErrorReply ParseS3ErrorReply(std::string_view xml) {
  Result<http::XmlDocument> doc = http::ParseXml(xml);
  if (!doc.ok() || doc->root.name != "Error") return {};
  return {doc->root.ChildText("Code"), doc->root.ChildText("Message")};
}

Result<std::string> ParseS3UploadId(std::string_view xml) {
  COVEN_ASSIGN_OR_RETURN(http::XmlDocument doc, http::ParseXml(xml));
  std::string id = doc.root.ChildText("UploadId");
  if (id.empty()) {
    return InvalidArgumentError("without an <UploadId> (its root is <" +
                                doc.root.name.substr(0, 64) + ">)");
  }
  return id;
}

Status CheckS3CompleteReply(std::string_view xml) {
  if (IsBlank(xml)) return Status::Ok();
  COVEN_ASSIGN_OR_RETURN(http::XmlDocument doc, http::ParseXml(xml));
  if (doc.root.name != "Error") return Status::Ok();
  std::string detail = doc.root.ChildText("Code");
  const std::string message = doc.root.ChildText("Message");
  if (!message.empty()) detail += (detail.empty() ? "" : ": ") + message;
  return UnavailableError("completing the multipart upload failed: " + detail);
}

}  // namespace coven::home
