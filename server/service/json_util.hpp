#pragma once
// JSON shapes shared by the HTTP API, the help desk and the live view, so
// a record or a person looks the same on every route (docs/api.md).
// Thread safety: free functions.

#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "core/roster.hpp"
#include "core/scan_record.hpp"
#include "service/api.hpp"

namespace admit::service {

http_reply json_reply(const boost::json::value& v, unsigned status = 200);
// "2023-09-25T08:31:05.123Z"
std::string iso_utc(core::time_point t);
boost::json::object attendee_json(const core::attendee& a);
boost::json::object record_json(const core::scan_record& r);
// Percent-decoding of a query value ("%EA%B9%80" -> "김", '+' -> ' ').
std::string url_decode(std::string_view text);
// The text with every byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string utf8_or_replaced(std::string_view text);
// The string member `key` of a JSON object, or empty.
std::string json_string(const boost::json::object& o, std::string_view key);

}  // namespace admit::service
