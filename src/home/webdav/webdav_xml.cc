#include "home/webdav/webdav_xml.h"

#include <cstdlib>

#include "home/http/xml_reader.h"

namespace coven::home {
namespace {

constexpr std::string_view kDav = "DAV:";

bool IsDav(const http::XmlDocument& doc, const http::XmlElement& element,
           std::string_view local_name) {
  return element.name == local_name && doc.NamespaceOf(element) == kDav;
}

// The first DAV:<local_name> below `parent` (any depth), or nullptr.
const http::XmlElement* FindDav(const http::XmlDocument& doc,
                                const http::XmlElement& parent,
                                std::string_view local_name) {
  for (const http::XmlElement& child : parent.children) {
    if (IsDav(doc, child, local_name)) return &child;
    if (const http::XmlElement* found = FindDav(doc, child, local_name)) {
      return found;
    }
  }
  return nullptr;
}

}  // namespace

Result<std::vector<DavEntry>> ParseDavMultistatus(std::string_view xml) {
  COVEN_ASSIGN_OR_RETURN(http::XmlDocument doc, http::ParseXml(xml));
  if (!IsDav(doc, doc.root, "multistatus")) {
    return InvalidArgumentError("not a DAV:multistatus (its root is <" +
                                doc.root.name.substr(0, 64) + ">)");
  }
  std::vector<DavEntry> entries;
  for (const http::XmlElement& response : doc.root.children) {
    if (!IsDav(doc, response, "response")) continue;
    const http::XmlElement* href = FindDav(doc, response, "href");
    if (href == nullptr) continue;
    DavEntry entry;
    entry.href = href->text;
    entry.collection = FindDav(doc, response, "collection") != nullptr;
    if (const http::XmlElement* length =
            FindDav(doc, response, "getcontentlength")) {
      entry.length = std::strtoull(length->text.c_str(), nullptr, 10);
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace coven::home
