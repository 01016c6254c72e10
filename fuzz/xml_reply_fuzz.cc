// libFuzzer target: the XML replies of untrusted S3 and WebDAV servers. The
// whole input is one reply body, fed to http::ParseXml and to every parser
// built on it: ParseS3ListReply, ParseS3ErrorReply, ParseS3UploadId,
// CheckS3CompleteReply and ParseDavMultistatus.
// Invariants: no crash; every refusal is kInvalidArgument (or the
// kUnavailable of a complete reply that is an <Error>); what is accepted is
// bounded by the input (elements, depth, text, entries) and element text
// survives XmlEscape and a second parse unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "home/http/xml_reader.h"
#include "home/s3/s3_xml.h"
#include "home/webdav/webdav_xml.h"

namespace {

using coven::Result;
using coven::StatusCode;
using coven::home::http::XmlDocument;
using coven::home::http::XmlElement;

// Counts elements and text bytes below (and including) `element`, checking
// the depth limit on the way.
void Measure(const XmlElement& element, std::size_t depth,
             std::size_t* elements, std::size_t* text) {
  if (depth > coven::home::http::XmlLimits().max_depth) abort();
  ++*elements;
  *text += element.text.size();
  for (const XmlElement& child : element.children) {
    Measure(child, depth + 1, elements, text);
  }
}

// Text that went through XmlEscape reads back the same ('\r' is the one
// character XML normalizes away).
void CheckEscape(const std::string& text) {
  if (text.find('\r') != std::string::npos) return;
  Result<XmlDocument> again = coven::home::http::ParseXml(
      "<t>" + coven::home::http::XmlEscape(text) + "</t>");
  if (!again.ok() || again->root.text != text) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using namespace coven::home;
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  // A decoded byte costs at least half an input byte (UTF-16 and Latin-1
  // inputs grow when re-encoded as UTF-8); an element at least 4 bytes.
  const std::size_t max_text = 2 * size;
  const std::size_t max_elements = size / 4;

  Result<http::XmlDocument> doc = http::ParseXml(xml);
  if (doc.ok()) {
    std::size_t elements = 0;
    std::size_t text = 0;
    Measure(doc->root, 1, &elements, &text);
    if (elements > max_elements || text > max_text) abort();
    if (doc->NamespaceOf(doc->root).size() > size) abort();
    CheckEscape(doc->root.text);
  } else if (doc.status().code() != StatusCode::kInvalidArgument) {
    abort();
  }

  Result<S3ListReply> list = ParseS3ListReply(xml);
  if (list.ok()) {
    if (list->objects.size() > max_elements) abort();
    if (list->next_token.size() > max_text) abort();
    for (const S3ListedObject& object : list->objects) {
      if (object.key.size() > max_text) abort();
      CheckEscape(object.key);
    }
  } else if (list.status().code() != StatusCode::kInvalidArgument) {
    abort();
  }

  const S3ErrorReply error = ParseS3ErrorReply(xml);
  if (error.code.size() + error.message.size() > max_text) abort();

  Result<std::string> upload_id = ParseS3UploadId(xml);
  if (upload_id.ok()
          ? upload_id->empty() || upload_id->size() > max_text
          : upload_id.status().code() != StatusCode::kInvalidArgument) {
    abort();
  }

  const coven::Status complete = CheckS3CompleteReply(xml);
  if (!complete.ok() && complete.code() != StatusCode::kInvalidArgument &&
      complete.code() != StatusCode::kUnavailable) {
    abort();
  }

  Result<std::vector<DavEntry>> entries = ParseDavMultistatus(xml);
  if (entries.ok()) {
    if (entries->size() > max_elements) abort();
    for (const DavEntry& entry : *entries) {
      if (entry.href.size() > max_text) abort();
    }
  } else if (entries.status().code() != StatusCode::kInvalidArgument) {
    abort();
  }
  return 0;
}
