// Unit tests of the expat-based XML reader (home/http/xml_reader.h) and of
// the S3 and WebDAV reply parsers built on it (s3_xml.h, webdav_xml.h).
#include "home/http/xml_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "home/s3/s3_xml.h"
#include "home/webdav/webdav_xml.h"

namespace coven::home {
namespace {

using http::ParseXml;
using http::XmlDocument;
using http::XmlElement;
using ::testing::HasSubstr;

TEST(XmlReaderTest, ResolvesNamespacesAndDecodesText) {
  // Ported from the old scanner's test: prefixed DAV names, entities.
  const std::string xml =
      "<?xml version=\"1.0\"?><d:multistatus xmlns:d=\"DAV:\">"
      "<d:response><d:href>/a/b%20c</d:href><d:propstat><d:prop>"
      "<d:resourcetype><d:collection/></d:resourcetype></d:prop></d:propstat>"
      "</d:response><d:response><d:href>/a/x&amp;y</d:href>"
      "<d:getcontentlength>12</d:getcontentlength></d:response>"
      "</d:multistatus>";
  Result<XmlDocument> doc = ParseXml(xml);
  ASSERT_TRUE(doc.ok()) << doc.status().message();
  EXPECT_EQ(doc->root.name, "multistatus");
  EXPECT_EQ(doc->NamespaceOf(doc->root), "DAV:");
  const std::vector<const XmlElement*> responses =
      doc->root.Children("response");
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_NE(responses[0]->Find("collection"), nullptr);
  EXPECT_EQ(responses[1]->Find("collection"), nullptr);
  EXPECT_EQ(responses[1]->ChildText("href"), "/a/x&y");
  EXPECT_EQ(responses[1]->ChildText("getcontentlength"), "12");
  EXPECT_EQ(responses[1]->ChildText("missing"), "");

  doc = ParseXml("<a>&#65;&#x42;&lt;&gt;&quot;&apos;</a>");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->root.text, "AB<>\"'");
  // "Key" must not match "KeyCount".
  doc = ParseXml("<r><KeyCount>3</KeyCount><Key>k</Key></r>");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->root.ChildText("Key"), "k");
  EXPECT_EQ(http::XmlEscape("<a&\"'>"), "&lt;a&amp;&quot;&apos;&gt;");
}

TEST(XmlReaderTest, DefaultNamespaceAndPrefixReadTheSame) {
  Result<XmlDocument> a = ParseXml("<D:href xmlns:D=\"DAV:\">x</D:href>");
  Result<XmlDocument> b = ParseXml("<href xmlns=\"DAV:\">x</href>");
  Result<XmlDocument> c = ParseXml("<href>x</href>");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->root.name, "href");
  EXPECT_EQ(a->NamespaceOf(a->root), "DAV:");
  EXPECT_EQ(b->NamespaceOf(b->root), "DAV:");
  EXPECT_EQ(c->NamespaceOf(c->root), "");
  // A prefix nobody declared is malformed.
  EXPECT_FALSE(ParseXml("<D:href>x</D:href>").ok());
}

TEST(XmlReaderTest, ReadsCdata) {
  Result<XmlDocument> doc = ParseXml("<Key>a<![CDATA[<b>&amp;]]>c</Key>");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->root.text, "a<b>&amp;c");
}

TEST(XmlReaderTest, NestedSameNameElements) {
  Result<XmlDocument> doc = ParseXml("<a><a><a>inner</a></a><b>after</b></a>");
  ASSERT_TRUE(doc.ok());
  ASSERT_EQ(doc->root.children.size(), 2u);
  EXPECT_EQ(doc->root.children[0].children[0].text, "inner");
  EXPECT_EQ(doc->root.ChildText("b"), "after");
}

TEST(XmlReaderTest, CodePointsAboveTheBmpAreFourBytes) {
  Result<XmlDocument> doc = ParseXml("<a>&#x1F600;&#128512;</a>");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->root.text, "\xF0\x9F\x98\x80\xF0\x9F\x98\x80");
}

TEST(XmlReaderTest, RejectsBadCharacterReferences) {
  for (const char* xml :
       {"<a>&#x;</a>", "<a>&#;</a>", "<a>&#0;</a>", "<a>&#x110000;</a>",
        "<a>&nbsp;</a>", "<a>&amp</a>"}) {
    Result<XmlDocument> doc = ParseXml(xml);
    ASSERT_FALSE(doc.ok()) << xml;
    EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(doc.status().message(), HasSubstr("not valid XML (line 1: "))
        << xml;
  }
}

TEST(XmlReaderTest, ReportsMalformedDocumentsWithTheLine) {
  Result<XmlDocument> doc = ParseXml("<a>\n<b>\n</a>");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().message(), "not valid XML (line 3: mismatched tag)");
  EXPECT_FALSE(ParseXml("").ok());
  EXPECT_FALSE(ParseXml("<a></a><b></b>").ok());
  EXPECT_FALSE(ParseXml("<a>").ok());
  EXPECT_FALSE(ParseXml("plain text").ok());
}

TEST(XmlReaderTest, RefusesDoctypesAndEntities) {
  const std::string laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
      "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
      "<lolz>&lol2;</lolz>";
  Result<XmlDocument> doc = ParseXml(laughs);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().message(),
            "not acceptable XML (a DOCTYPE is not allowed)");
  EXPECT_FALSE(
      ParseXml("<!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a>&x;</a>").ok());
  EXPECT_FALSE(ParseXml("<!DOCTYPE a><a/>").ok());
}

TEST(XmlReaderTest, EnforcesLimits) {
  std::string deep;
  for (int i = 0; i < 64; ++i) deep += "<a>";
  for (int i = 0; i < 64; ++i) deep += "</a>";
  EXPECT_TRUE(ParseXml(deep).ok());
  Result<XmlDocument> doc = ParseXml("<a>" + deep + "</a>");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().message(),
            "not acceptable XML (elements nest deeper than the limit of 64)");

  http::XmlLimits small;
  small.max_elements = 3;
  small.max_text_bytes = 4;
  EXPECT_TRUE(ParseXml("<a><b/><c>1234</c></a>", small).ok());
  EXPECT_THAT(ParseXml("<a><b/><c/><d/></a>", small).status().message(),
              HasSubstr("more elements than the limit of 3"));
  EXPECT_THAT(ParseXml("<a>12345</a>", small).status().message(),
              HasSubstr("more text than the limit of 4 bytes"));
}

TEST(XmlReaderTest, ReplyErrorNamesHomeOperationAndPath) {
  const Status error = http::XmlReplyError("s3 home b at http://x", "list",
                                           "log/", ParseXml("<a>").status());
  EXPECT_EQ(error.code(), StatusCode::kUnavailable);
  EXPECT_THAT(error.message(),
              HasSubstr("s3 home b at http://x: list \"log/\": the server's "
                        "reply is not valid XML (line 1: "));
  EXPECT_THAT(error.message(), HasSubstr("; retry later"));
}

TEST(S3XmlTest, ParsesListReplies) {
  Result<S3ListReply> reply = ParseS3ListReply(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Name>b</Name><Prefix>log/</Prefix><KeyCount>2</KeyCount>"
      "<IsTruncated>true</IsTruncated>"
      "<NextContinuationToken>t&amp;1</NextContinuationToken>"
      "<Contents><Key>log/a</Key><Size>7</Size>"
      "<Owner><ID>x</ID></Owner></Contents>"
      "<Contents><Key><![CDATA[log/<b>]]></Key></Contents>"
      "</ListBucketResult>");
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  ASSERT_EQ(reply->objects.size(), 2u);
  EXPECT_EQ(reply->objects[0].key, "log/a");
  EXPECT_EQ(reply->objects[0].size, 7u);
  EXPECT_EQ(reply->objects[1].key, "log/<b>");
  EXPECT_EQ(reply->objects[1].size, 0u);
  EXPECT_TRUE(reply->truncated);
  EXPECT_EQ(reply->next_token, "t&1");

  EXPECT_THAT(ParseS3ListReply("<html><body/></html>").status().message(),
              HasSubstr("not a ListBucketResult (its root is <html>)"));
  EXPECT_FALSE(ParseS3ListReply("<ListBucketResult>").ok());
}

TEST(S3XmlTest, ParsesErrorAndMultipartReplies) {
  const S3ErrorReply error = ParseS3ErrorReply(
      "<Error><Code>NoSuchKey</Code><Message>gone &lt;x&gt;</Message>"
      "</Error>");
  EXPECT_EQ(error.code, "NoSuchKey");
  EXPECT_EQ(error.message, "gone <x>");
  EXPECT_EQ(ParseS3ErrorReply("").code, "");
  EXPECT_EQ(ParseS3ErrorReply("<Error><Code>").code, "");
  EXPECT_EQ(ParseS3ErrorReply("<Other><Code>X</Code></Other>").code, "");

  Result<std::string> id = ParseS3UploadId(
      "<InitiateMultipartUploadResult><UploadId>up/1+x=</UploadId>"
      "</InitiateMultipartUploadResult>");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "up/1+x=");
  EXPECT_THAT(ParseS3UploadId("<Error/>").status().message(),
              HasSubstr("without an <UploadId>"));

  EXPECT_TRUE(CheckS3CompleteReply("").ok());
  EXPECT_TRUE(CheckS3CompleteReply("<CompleteMultipartUploadResult/>").ok());
  const Status failed = CheckS3CompleteReply(
      "  \n<Error><Code>InternalError</Code><Message>m</Message></Error>");
  EXPECT_EQ(failed.code(), StatusCode::kUnavailable);
  EXPECT_THAT(failed.message(), HasSubstr("InternalError: m"));
  EXPECT_EQ(CheckS3CompleteReply("<Error>").code(),
            StatusCode::kInvalidArgument);
}

TEST(DavXmlTest, ParsesMultistatus) {
  Result<std::vector<DavEntry>> entries = ParseDavMultistatus(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
      "<D:multistatus xmlns:D=\"DAV:\"><D:response><D:href>/h/</D:href>"
      "<D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype>"
      "</D:prop></D:propstat></D:response>"
      "<response xmlns=\"DAV:\"><href>/h/log%20a</href><propstat><prop>"
      "<getcontentlength>42</getcontentlength></prop></propstat></response>"
      "<D:response><D:href xmlns:D=\"urn:other\">/x</D:href></D:response>"
      "</D:multistatus>");
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].href, "/h/");
  EXPECT_TRUE((*entries)[0].collection);
  EXPECT_EQ((*entries)[1].href, "/h/log%20a");
  EXPECT_FALSE((*entries)[1].collection);
  EXPECT_EQ((*entries)[1].length, 42u);

  // The DAV: names must be in the DAV: namespace.
  EXPECT_THAT(ParseDavMultistatus("<multistatus><response/></multistatus>")
                  .status()
                  .message(),
              HasSubstr("not a DAV:multistatus (its root is <multistatus>)"));
  EXPECT_FALSE(ParseDavMultistatus("<D:multistatus xmlns:D=\"DAV:\">").ok());
}

}  // namespace
}  // namespace coven::home
