#include "home/http/xml_reader.h"

#include <expat.h>

#include <algorithm>
#include <memory>
#include <unordered_map>

namespace coven::home::http {
namespace {

// Expat reports a namespaced name as "<uri><kSeparator><local>".
constexpr char kSeparator = '\n';

struct ParserFree {
  void operator()(XML_Parser parser) const { XML_ParserFree(parser); }
};

// What the expat callbacks build: the document, the open elements and the
// first error (after which the parser is stopped).
class TreeBuilder {
 public:
  TreeBuilder(XML_Parser parser, const XmlLimits& limits)
      : parser_(parser), limits_(limits) {}

  XmlDocument& document() { return document_; }
  const std::string& error() const { return error_; }

  void Fail(std::string message) {
    if (!error_.empty()) return;
    error_ = std::move(message);
    XML_StopParser(parser_, XML_FALSE);
  }

  void Start(const XML_Char* qname) {
    if (!error_.empty()) return;
    if (open_.size() >= limits_.max_depth) {
      return Fail("elements nest deeper than the limit of " +
                  std::to_string(limits_.max_depth));
    }
    if (++elements_ > limits_.max_elements) {
      return Fail("more elements than the limit of " +
                  std::to_string(limits_.max_elements));
    }
    XmlElement* element;
    if (open_.empty()) {
      element = &document_.root;
    } else {
      element = &open_.back()->children.emplace_back();
    }
    const std::string_view name(qname);
    const std::size_t split = name.rfind(kSeparator);
    if (split == std::string_view::npos) {
      element->name = std::string(name);
    } else {
      element->name = std::string(name.substr(split + 1));
      element->ns = Intern(name.substr(0, split));
    }
    open_.push_back(element);
  }

  void End() {
    if (!open_.empty()) open_.pop_back();
  }

  void Text(const XML_Char* data, int length) {
    if (!error_.empty() || open_.empty() || length <= 0) return;
    text_bytes_ += static_cast<std::size_t>(length);
    if (text_bytes_ > limits_.max_text_bytes) {
      return Fail("more text than the limit of " +
                  std::to_string(limits_.max_text_bytes) + " bytes");
    }
    open_.back()->text.append(data, static_cast<std::size_t>(length));
  }

 private:
  std::uint32_t Intern(std::string_view uri) {
    auto [it, inserted] = ns_index_.try_emplace(
        std::string(uri),
        static_cast<std::uint32_t>(document_.namespaces.size()));
    if (inserted) document_.namespaces.emplace_back(uri);
    return it->second;
  }

  XML_Parser parser_;
  const XmlLimits& limits_;
  XmlDocument document_;
  std::vector<XmlElement*> open_;
  std::unordered_map<std::string, std::uint32_t> ns_index_;
  std::size_t elements_ = 0;
  std::size_t text_bytes_ = 0;
  std::string error_;
};

TreeBuilder& Builder(void* data) { return *static_cast<TreeBuilder*>(data); }

void OnStart(void* data, const XML_Char* name, const XML_Char** /*atts*/) {
  Builder(data).Start(name);
}
void OnEnd(void* data, const XML_Char* /*name*/) { Builder(data).End(); }
void OnText(void* data, const XML_Char* text, int length) {
  Builder(data).Text(text, length);
}
void OnDoctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*,
               int) {
  Builder(data).Fail("a DOCTYPE is not allowed");
}
void OnEntityDecl(void* data, const XML_Char*, int, const XML_Char*, int,
                  const XML_Char*, const XML_Char*, const XML_Char*,
                  const XML_Char*) {
  Builder(data).Fail("an entity declaration is not allowed");
}

}  // namespace

const XmlElement* XmlElement::Child(std::string_view local_name) const {
  for (const XmlElement& child : children) {
    if (child.name == local_name) return &child;
  }
  return nullptr;
}

std::string XmlElement::ChildText(std::string_view local_name) const {
  const XmlElement* child = Child(local_name);
  return child == nullptr ? std::string() : child->text;
}

std::vector<const XmlElement*> XmlElement::Children(
    std::string_view local_name) const {
  std::vector<const XmlElement*> out;
  for (const XmlElement& child : children) {
    if (child.name == local_name) out.push_back(&child);
  }
  return out;
}

const XmlElement* XmlElement::Find(std::string_view local_name) const {
  for (const XmlElement& child : children) {
    if (child.name == local_name) return &child;
    if (const XmlElement* found = child.Find(local_name)) return found;
  }
  return nullptr;
}

Result<XmlDocument> ParseXml(std::string_view xml, const XmlLimits& limits) {
  std::unique_ptr<XML_ParserStruct, ParserFree> parser(
      XML_ParserCreateNS(nullptr, kSeparator));
  if (parser == nullptr) return ResourceExhaustedError("out of memory for XML");
  TreeBuilder builder(parser.get(), limits);
  XML_SetUserData(parser.get(), &builder);
  XML_SetElementHandler(parser.get(), OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser.get(), OnText);
  XML_SetStartDoctypeDeclHandler(parser.get(), OnDoctype);
  XML_SetEntityDeclHandler(parser.get(), OnEntityDecl);
  XML_SetParamEntityParsing(parser.get(), XML_PARAM_ENTITY_PARSING_NEVER);

  constexpr std::size_t kChunk = 1u << 30;  // XML_Parse takes an int length.
  std::size_t offset = 0;
  XML_Status status = XML_STATUS_OK;
  do {
    const std::size_t length = std::min(kChunk, xml.size() - offset);
    const bool last = offset + length == xml.size();
    status = XML_Parse(parser.get(), xml.data() + offset,
                       static_cast<int>(length), last ? XML_TRUE : XML_FALSE);
    offset += length;
  } while (status == XML_STATUS_OK && offset < xml.size());

  if (!builder.error().empty()) {
    return InvalidArgumentError("not acceptable XML (" + builder.error() + ")");
  }
  if (status != XML_STATUS_OK) {
    return InvalidArgumentError(
        "not valid XML (line " +
        std::to_string(XML_GetCurrentLineNumber(parser.get())) + ": " +
        XML_ErrorString(XML_GetErrorCode(parser.get())) + ")");
  }
  return std::move(builder.document());
}

Status XmlReplyError(std::string_view home, std::string_view op,
                     std::string_view path, const Status& parse_error) {
  return UnavailableError(std::string(home) + ": " + std::string(op) + " \"" +
                          std::string(path) + "\": the server's reply is " +
                          parse_error.message() + "; retry later");
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace coven::home::http
