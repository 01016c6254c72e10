#include "home/http/xml_scan.h"

#include <cstdint>
#include <cstdlib>

namespace coven::home::http {
namespace {

bool IsNameEnd(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/' ||
         c == '>';
}

}  // namespace

std::vector<std::string_view> XmlElements(std::string_view xml,
                                          std::string_view local_name) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while ((pos = xml.find('<', pos)) != std::string_view::npos) {
    const std::size_t name_start = pos + 1;
    if (name_start >= xml.size()) break;
    const char first = xml[name_start];
    if (first == '/' || first == '?' || first == '!') {
      pos = name_start;
      continue;
    }
    std::size_t name_end = name_start;
    while (name_end < xml.size() && !IsNameEnd(xml[name_end])) ++name_end;
    const std::string_view qname =
        xml.substr(name_start, name_end - name_start);
    const std::size_t colon = qname.rfind(':');
    const std::string_view local =
        colon == std::string_view::npos ? qname : qname.substr(colon + 1);
    const std::size_t tag_end = xml.find('>', name_end);
    if (tag_end == std::string_view::npos) break;
    if (local != local_name) {
      pos = tag_end + 1;
      continue;
    }
    if (xml[tag_end - 1] == '/') {  // <name/>
      out.emplace_back();
      pos = tag_end + 1;
      continue;
    }
    const std::string close = "</" + std::string(qname);
    std::size_t close_at = xml.find(close, tag_end + 1);
    while (close_at != std::string_view::npos &&
           close_at + close.size() < xml.size() &&
           !IsNameEnd(xml[close_at + close.size()])) {
      close_at = xml.find(close, close_at + 1);
    }
    if (close_at == std::string_view::npos) break;
    out.push_back(xml.substr(tag_end + 1, close_at - tag_end - 1));
    pos = close_at + close.size();
  }
  return out;
}

std::optional<std::string> XmlText(std::string_view xml,
                                   std::string_view local_name) {
  std::vector<std::string_view> found = XmlElements(xml, local_name);
  if (found.empty()) return std::nullopt;
  return XmlUnescape(found.front());
}

std::string XmlUnescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    const std::size_t semi = text.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out.push_back('&');
      continue;
    }
    const std::string_view entity = text.substr(i + 1, semi - i - 1);
    if (entity == "amp") {
      out.push_back('&');
    } else if (entity == "lt") {
      out.push_back('<');
    } else if (entity == "gt") {
      out.push_back('>');
    } else if (entity == "quot") {
      out.push_back('"');
    } else if (entity == "apos") {
      out.push_back('\'');
    } else if (entity.size() > 1 && entity[0] == '#') {
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      const std::string digits(entity.substr(hex ? 2 : 1));
      const unsigned long cp =
          std::strtoul(digits.c_str(), nullptr, hex ? 16 : 10);
      if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else {
        out.push_back(static_cast<char>(0xE0 | ((cp >> 12) & 0x0F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
    } else {
      out.push_back('&');
      continue;
    }
    i = semi;
  }
  return out;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
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
