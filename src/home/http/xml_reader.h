// A small XML reader for the replies of S3 (ListBucketResult, Error,
// InitiateMultipartUploadResult) and WebDAV (PROPFIND multistatus). Those
// replies come from an untrusted server, so the whole (already size-capped)
// body is parsed by expat into a tiny element tree under hard limits on depth,
// element count and text; DOCTYPEs (and so entity declarations) are refused,
// which rules out entity-expansion attacks and external entities.
//
// Names are resolved against their namespace: an element's `name` is its
// local name and `ns` indexes the namespace URI in XmlDocument::namespaces,
// so <D:href xmlns:D="DAV:"> and <href xmlns="DAV:"> read the same.
//
// Thread safety: ParseXml and XmlEscape are pure functions; a document is a
// value.
#ifndef COVEN_HOME_HTTP_XML_READER_H_
#define COVEN_HOME_HTTP_XML_READER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "coven/status.h"

namespace coven::home::http {

/// One element: its local name, namespace, direct text and child elements.
struct XmlElement {
  std::string name;      ///< Local name, without any prefix.
  std::uint32_t ns = 0;  ///< Index into XmlDocument::namespaces; 0 = none.
  std::string text;      ///< Character data directly inside, decoded.
  std::vector<XmlElement> children;  ///< In document order.

  /// The first direct child named `local_name`, or nullptr.
  const XmlElement* Child(std::string_view local_name) const;
  /// The text of the first direct child named `local_name`; "" if none.
  std::string ChildText(std::string_view local_name) const;
  /// Every direct child named `local_name`, in document order.
  std::vector<const XmlElement*> Children(std::string_view local_name) const;
  /// The first element below this one (at any depth, depth first) named
  /// `local_name`, or nullptr.
  const XmlElement* Find(std::string_view local_name) const;
};

/// A parsed document: the root element and the namespace URIs it uses.
struct XmlDocument {
  XmlElement root;
  /// Namespace URIs; namespaces[0] is "" (no namespace).
  std::vector<std::string> namespaces{std::string()};

  /// The namespace URI of `element` ("" when it has none).
  std::string_view NamespaceOf(const XmlElement& element) const {
    return element.ns < namespaces.size()
               ? std::string_view(namespaces[element.ns])
               : std::string_view();
  }
};

/// Bounds on what one document may cost.
struct XmlLimits {
  std::size_t max_depth = 64;              ///< Nesting of elements.
  std::size_t max_elements = 1u << 20;     ///< Elements in the document.
  std::size_t max_text_bytes = 64u << 20;  ///< Decoded text, all elements.
};

/// Parses `xml` (UTF-8, UTF-16 or a declared encoding expat knows). Text has
/// CDATA sections, entities and character references decoded; comments and
/// processing instructions are dropped.
/// Errors: kInvalidArgument "not valid XML (line N: <expat's reason>)" for a
/// malformed document (including an empty one); kInvalidArgument "not
/// acceptable XML (<why>)" for a document type declaration or when a limit is
/// passed. The messages complete "the server's reply is ..." (XmlReplyError).
Result<XmlDocument> ParseXml(std::string_view xml,
                             const XmlLimits& limits = {});

/// kUnavailable "<home>: <op> "<path>": the server's reply is <why>; retry
/// later", for a reply that `parse_error` (from ParseXml or a caller's own
/// check) refused.
Status XmlReplyError(std::string_view home, std::string_view op,
                     std::string_view path, const Status& parse_error);

/// Escapes & < > " ' for element text or attribute values.
std::string XmlEscape(std::string_view text);

}  // namespace coven::home::http

#endif  // COVEN_HOME_HTTP_XML_READER_H_
