// S3Home::MultipartPut: initiate, upload parts, complete (with
// If-None-Match: * for create-once), abort on failure.
#include "coven/s3_home.h"
#include "home/http/http_client.h"
#include "home/http/xml_reader.h"
#include "home/s3/s3_util.h"
#include "home/s3/s3_xml.h"

namespace coven::home {

Status S3Home::MultipartPut(std::string_view op, std::string_view path,
                            ByteView data, bool if_none_match, bool* retried) {
  const std::string key = Key(path);
  const std::string empty_hash = S3Sha256Hex({});
  http::HttpRequest initiate;
  initiate.method = "POST";
  initiate.url = ObjectUrl(key, "uploads=");  // Not "?uploads" (curl 7.88).
  initiate.headers = {"x-amz-content-sha256: " + empty_hash};
  COVEN_ASSIGN_OR_RETURN(Sent started, Send(op, path, std::move(initiate)));
  if (started.response.status != 200) {
    return ErrorFor(op, path, started.response);
  }
  Result<std::string> started_id =
      ParseS3UploadId(AsString(started.response.body));
  if (!started_id.ok()) {
    return http::XmlReplyError(Describe(), op, path, started_id.status());
  }
  const std::string upload_id = std::move(*started_id);
  const std::string id_query = "uploadId=" + http::PercentEncode(upload_id);
  auto abort = [&] {
    http::HttpRequest del;
    del.method = "DELETE";
    del.url = ObjectUrl(key, id_query);
    del.headers = {"x-amz-content-sha256: " + empty_hash};
    (void)Send("abort upload", path, std::move(del));
  };

  std::string complete = "<CompleteMultipartUpload>";
  int part_number = 0;
  for (std::uint64_t offset = 0; offset < data.size();
       offset += options_.part_size) {
    ++part_number;
    const ByteView part = data.subspan(
        offset,
        std::min<std::uint64_t>(options_.part_size, data.size() - offset));
    http::HttpRequest put;
    put.method = "PUT";
    // partNumber sorts before uploadId, as SigV4 needs (see s3_list.cc).
    put.url = ObjectUrl(
        key, "partNumber=" + std::to_string(part_number) + "&" + id_query);
    put.body = part;
    put.headers = {"x-amz-content-sha256: " + S3Sha256Hex(part)};
    Result<Sent> sent = Send(op, path, std::move(put));
    if (!sent.ok() || sent->response.status != 200) {
      Status error =
          sent.ok() ? ErrorFor(op, path, sent->response) : sent.status();
      abort();
      return error;
    }
    auto etag = sent->response.headers.find("etag");
    complete +=
        "<Part><PartNumber>" + std::to_string(part_number) +
        "</PartNumber><ETag>" +
        http::XmlEscape(etag == sent->response.headers.end() ? std::string()
                                                             : etag->second) +
        "</ETag></Part>";
  }
  complete += "</CompleteMultipartUpload>";

  http::HttpRequest finish;
  finish.method = "POST";
  finish.url = ObjectUrl(key, id_query);
  finish.body = AsBytes(complete);
  finish.has_body = true;
  finish.headers = {"x-amz-content-sha256: " + S3Sha256Hex(AsBytes(complete)),
                    "Content-Type: application/xml"};
  if (if_none_match) finish.headers.push_back("If-None-Match: *");
  Result<Sent> done = Send(op, path, std::move(finish));
  if (!done.ok()) {
    abort();
    return done.status();
  }
  *retried = done->retried;
  const long status = done->response.status;
  // Complete may answer 200 with an <Error> body.
  Status completed = status == 200
                         ? CheckS3CompleteReply(AsString(done->response.body))
                         : Status::Ok();
  if (status == 200 && completed.ok()) return Status::Ok();
  abort();
  if (status == 412) {
    return AlreadyExistsError(Describe() + ": " + std::string(op) + " \"" +
                              std::string(path) + "\": the path is occupied");
  }
  if (status == 200 && completed.code() == StatusCode::kUnavailable) {
    return UnavailableError(Describe() + ": " + std::string(op) + " \"" +
                            std::string(path) + "\": " + completed.message() +
                            "; retry later");
  }
  if (status == 200) {
    return http::XmlReplyError(Describe(), op, path, completed);
  }
  return ErrorFor(op, path, done->response);
}

}  // namespace coven::home
