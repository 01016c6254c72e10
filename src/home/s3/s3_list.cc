// S3Home::List: ListObjectsV2, either trusting the server's order and paging
// or fetching the whole prefix (continuation tokens) and sorting locally.
#include <algorithm>

#include "coven/s3_home.h"
#include "home/http/http_client.h"
#include "home/http/xml_reader.h"
#include "home/local_paging.h"
#include "home/s3/s3_util.h"
#include "home/s3/s3_xml.h"

namespace coven::home {
namespace {

constexpr std::size_t kMaxPage = 1000;

struct RawPage {
  std::vector<ObjectInfo> objects;
  bool truncated = false;
  std::string next_token;
};

}  // namespace

Result<ListPage> S3Home::List(std::string_view prefix,
                              std::string_view start_after,
                              std::size_t max_keys) {
  if (max_keys == 0 ||
      (!prefix.empty() && !IsValidPath(std::string(prefix) + "x"))) {
    return InvalidArgumentError(Describe() + ": list \"" + std::string(prefix) +
                                "\": invalid prefix or max_keys 0");
  }
  const std::string home_prefix =
      options_.prefix.empty() ? std::string() : options_.prefix + "/";
  auto fetch = [&](std::size_t page_size, std::string_view after,
                   std::string_view token) -> Result<RawPage> {
    // Parameters sorted by name and fully percent-encoded: curl 7.88 signs
    // the query exactly as written (storage-providers.md §1.1).
    std::string query;
    if (!token.empty()) {
      query += "continuation-token=" + http::PercentEncode(token) + "&";
    }
    query += "list-type=2&max-keys=" + std::to_string(page_size);
    const std::string full_prefix = home_prefix + std::string(prefix);
    if (!full_prefix.empty()) {
      query += "&prefix=" + http::PercentEncode(full_prefix);
    }
    if (!after.empty()) {
      query += "&start-after=" +
               http::PercentEncode(home_prefix + std::string(after));
    }
    http::HttpRequest get;
    get.url = BucketUrl(query);
    get.headers = {"x-amz-content-sha256: " + S3Sha256Hex({})};
    get.max_body_bytes = http::kMaxListReplyBytes;
    COVEN_ASSIGN_OR_RETURN(Sent sent, Send("list", prefix, std::move(get)));
    if (sent.response.status != 200) {
      return ErrorFor("list", prefix, sent.response);
    }
    Result<S3ListReply> reply = ParseS3ListReply(AsString(sent.response.body));
    if (!reply.ok()) {
      return http::XmlReplyError(Describe(), "list", prefix, reply.status());
    }
    RawPage page;
    for (S3ListedObject& object : reply->objects) {
      std::string key = std::move(object.key);
      if (!key.starts_with(home_prefix)) continue;
      key.erase(0, home_prefix.size());
      if (!IsValidPath(key)) continue;  // Not ours (or a foreign client's).
      page.objects.push_back({std::move(key), object.size});
    }
    page.truncated = reply->truncated;
    page.next_token = std::move(reply->next_token);
    if (page.truncated && page.next_token.empty() && !token.empty()) {
      return UnavailableError(Describe() + ": list \"" + std::string(prefix) +
                              "\": truncated page without a continuation "
                              "token; retry later");
    }
    return page;
  };

  if (options_.server_sorted_list) {
    COVEN_ASSIGN_OR_RETURN(
        RawPage raw, fetch(std::min(max_keys, kMaxPage), start_after, {}));
    return ListPage{std::move(raw.objects), raw.truncated};
  }

  // Local sort: walk every page of the prefix, then page the sorted result.
  std::vector<ObjectInfo> all;
  std::string token;
  for (int pages = 0;; ++pages) {
    COVEN_ASSIGN_OR_RETURN(RawPage raw, fetch(kMaxPage, {}, token));
    for (ObjectInfo& o : raw.objects) all.push_back(std::move(o));
    if (!raw.truncated) break;
    if (raw.next_token.empty()) {
      return UnavailableError(Describe() + ": list \"" + std::string(prefix) +
                              "\": truncated page without a continuation "
                              "token; retry later");
    }
    token = raw.next_token;
  }
  return PageSorted(std::move(all), start_after, max_keys);
}

}  // namespace coven::home
