// HubCore: Pull, one page at a time over one or several authors' logs.
//
// A subscriber that hears that several authors moved asks for all of them
// in one call, so the hub authenticates once and writes one stream instead
// of one call per author (the fan-out cost of docs/benchmarks.md, "Hub
// load"). The store is still read one author at a time (ReadLogPage), and
// an author is done once a read reaches its head: one read per author that
// moved, not a second one to find nothing. What a reader may rely on is
// unchanged: each author's objects in seq order from its cursor, never a
// gap, a page bounded in count and bytes.
#include <algorithm>
#include <unordered_set>

#include "coven/hlc.h"
#include "hub/server/hub_core.h"

namespace coven::hub::server {

Result<PullPlan> PlanPull(const pb::PullRequest& request,
                          std::uint64_t max_object_bytes) {
  PullPlan plan;
  if (request.authors_size() == 0) {
    plan.authors.push_back(
        {request.author(), request.after_seq(), request.through_seq()});
  } else {
    if (request.author() != 0 || request.after_seq() != 0 ||
        request.through_seq() != 0) {
      return InvalidArgumentError(
          "a Pull names one author (author, after_seq, through_seq) or "
          "several (authors), not both");
    }
    if (request.authors_size() > kMaxPullAuthors) {
      return InvalidArgumentError(
          "a Pull names at most " + std::to_string(kMaxPullAuthors) +
          " authors (this one " + std::to_string(request.authors_size()) +
          "); split it");
    }
    // Each author once: its cursor is then the only one that says where
    // the client is, and an author is never read twice in one call.
    std::unordered_set<std::uint64_t> seen;
    seen.reserve(request.authors_size());
    plan.authors.reserve(request.authors_size());
    for (const pb::PullCursor& cursor : request.authors()) {
      if (!seen.insert(cursor.author()).second) {
        return InvalidArgumentError("author " + DeviceIdToHex(cursor.author()) +
                                    " is named twice in one Pull");
      }
      plan.authors.push_back(
          {cursor.author(), cursor.after_seq(), cursor.through_seq()});
    }
  }
  plan.remaining =
      request.max_objects() == 0 ? kDefaultPullObjects : request.max_objects();
  plan.max_object_bytes =
      request.max_object_bytes() == 0
          ? max_object_bytes
          : std::min(request.max_object_bytes(), max_object_bytes);
  return plan;
}

Result<PullPlan> HubCore::StartPull(const Caller& caller,
                                    const pb::PullRequest& request) {
  COVEN_ASSIGN_OR_RETURN(PullPlan plan,
                         PlanPull(request, options_.max_object_bytes));
  // Every author is checked before the first byte goes out, so a refusal
  // never follows a partial answer.
  for (const PullPlan::Author& author : plan.authors) {
    COVEN_RETURN_IF_ERROR(
        CheckRead(caller, "log/" + DeviceIdToHex(author.author) + "/"));
  }
  return plan;
}

Status HubCore::PullPage(const Caller& caller, PullPlan* plan,
                         pb::PullReply* page) {
  page->Clear();
  const std::uint64_t max_bytes = options_.max_page_bytes;
  std::uint64_t bytes = 0;
  std::uint32_t room = std::min(plan->remaining, kMaxPullPageObjects);
  while (room > 0 && bytes < max_bytes && plan->next < plan->authors.size()) {
    PullPlan::Author& author = plan->authors[plan->next];
    if (author.through_seq != 0 && author.after_seq >= author.through_seq) {
      ++plan->next;
      continue;
    }
    store::LogRange range;
    range.space = caller.space;
    range.author = author.author;
    range.after_seq = author.after_seq;
    range.through_seq = author.through_seq;
    range.max_objects = room;
    range.max_bytes = max_bytes - bytes;
    range.max_object_bytes = plan->max_object_bytes;
    store::LogPage read;
    if (!recent_.Read(range, &read)) {
      COVEN_ASSIGN_OR_RETURN(read, store_->ReadLogPage(range));
    }
    // An author is finished once a read reaches its head (or through_seq)
    // as the store saw it then; a short read may also have stopped at the
    // byte budget, and then the author is read again.
    const bool at_end = read.at_end(range);
    for (store::StoredObject& object : read.objects) {
      const std::uint64_t cost = object.too_large ? 0 : object.data.size();
      // The store always returns a first object, even over the budget;
      // behind other objects it waits for the next page (read again there)
      // so a page stays below the message limit.
      if (page->objects_size() > 0 && bytes + cost > max_bytes) {
        return Status::Ok();
      }
      pb::PulledObject* out = page->add_objects();
      out->set_author(author.author);
      out->set_seq(object.seq);
      out->set_size(object.size);
      out->set_too_large(object.too_large);
      out->set_data(reinterpret_cast<const char*>(object.data.data()),
                    object.data.size());
      bytes += cost;
      author.after_seq = object.seq;
      --room;
      --plan->remaining;
    }
    if (at_end) ++plan->next;
  }
  return Status::Ok();
}

}  // namespace coven::hub::server
