#include "sim/tally.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

namespace admit::sim {

namespace {

std::string json_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    for (const char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
                } else {
                    out += c;  // UTF-8 passes through unchanged
                }
        }
    }
    return out;
}

// "HALL_CLOSED" -> "hall closed"
std::string reason_words(std::string words) {
    for (auto& c : words) {
        c = c == '_' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return words;
}

std::string clock_text() {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    return fmt::format("{:02}:{:02}:{:02}", local.tm_hour, local.tm_min, local.tm_sec);
}

const char* direction_name(core::direction d) {
    return d == core::direction::exit ? "exit" : "entry";
}

}  // namespace

tally::tally(const core::event_config& event, output_style style) : event_(event), style_(style) {}

void tally::count_reconnect() {
    const std::scoped_lock lock(mutex_);
    ++reconnects_;
}

void tally::count_timeout() {
    const std::scoped_lock lock(mutex_);
    ++timeouts_;
}

void tally::record(const scan_outcome& outcome) {
    const std::scoped_lock lock(mutex_);
    ++sent_;
    if (outcome.scan->kind != scan_kind::genuine) ++bad_by_kind_[kind_name(outcome.scan->kind)];
    if (outcome.sends > 1) ++resent_;
    if (const auto* v = outcome.verdict) {
        if (v->replayed()) ++replayed_;
        if (!v->hall_id().empty() && v->capacity() > 0) hall_inside_[v->hall_id()] = {v->inside(), v->capacity()};
        if (v->warning()) ++flagged_;
        if (!v->admitted()) {
            ++refused_;
            ++refused_by_reason_[wire::Reason_Name(v->reason())];
        } else if (outcome.scan->direction == core::direction::exit) {
            ++admitted_exits_;
        } else {
            ++admitted_entries_;
        }
    } else {
        ++unanswered_;
        ++problems_[outcome.problem];
    }
    if (style_ != output_style::quiet) print_line(outcome);
}

void tally::print_line(const scan_outcome& outcome) {
    const auto& scan = *outcome.scan;
    const auto* v = outcome.verdict;
    const core::hall* hall = v != nullptr ? event_.find_hall(v->hall_id()) : nullptr;
    if (style_ == output_style::json) {
        std::string line = fmt::format(
            R"({{"time":"{}","station":"{}","scan_id":"{}","kind":"{}","direction":"{}",)"
            R"("sends":{})",
            clock_text(), json_escape(outcome.station_id), json_escape(outcome.scan_id),
            kind_name(scan.kind), direction_name(scan.direction), outcome.sends
        );
        if (v != nullptr) {
            line += fmt::format(
                R"(,"admitted":{},"reason":"{}","explanation":"{}","attendee_id":"{}",)"
                R"("name":"{}","category":"{}","hall":"{}","inside":{},"capacity":{},)"
                R"("warning":{},"replayed":{},"latency_ms":{}}})",
                v->admitted(), wire::Reason_Name(v->reason()), json_escape(v->explanation()),
                json_escape(v->attendee_id()), json_escape(v->attendee_name()),
                json_escape(v->category()), json_escape(v->hall_id()), v->inside(), v->capacity(),
                v->warning(), v->replayed(), outcome.latency.count()
            );
        } else {
            line +=
                fmt::format(R"(,"verdict":null,"problem":"{}"}})", json_escape(outcome.problem));
        }
        fmt::print(lines_, "{}\n", line);
        std::fflush(lines_);
        return;
    }

    std::string who;
    if (v != nullptr && !v->attendee_name().empty()) {
        who = v->category().empty() ? v->attendee_name()
                                    : fmt::format("{} ({})", v->attendee_name(), v->category());
    } else if (scan.kind == scan_kind::garbage) {
        who = "(not a badge)";
    } else if (scan.kind == scan_kind::forged) {
        who = "(forged badge)";
    } else {
        who = v != nullptr && !v->attendee_id().empty() ? v->attendee_id() : "(unknown badge)";
    }
    if (scan.kind == scan_kind::twice) who += " [twice]";

    std::string status;
    std::string detail;
    if (v == nullptr) {
        status = "NO ANSWER";
        detail = outcome.problem;
    } else if (v->admitted()) {
        status = scan.direction == core::direction::exit ? "EXITED" : "ADMITTED";
        if (v->warning()) detail = fmt::format("flagged: {}", v->explanation());
    } else {
        status = "REFUSED";
        const auto words = reason_words(wire::Reason_Name(v->reason()));
        detail = v->explanation().empty() ? words : fmt::format("{}: {}", words, v->explanation());
    }
    if (v != nullptr && v->replayed()) detail += detail.empty() ? "(replayed)" : " (replayed)";

    std::string where;
    if (v != nullptr && !v->hall_id().empty()) {
        where = fmt::format(
            "{} {}/{}", hall != nullptr ? hall->name : v->hall_id(), v->inside(), v->capacity()
        );
    }
    std::string line = fmt::format(
        "{} {:<15} {:<9} {:<28} {}", clock_text(), outcome.station_id, status, who, where
    );
    if (!detail.empty()) line += fmt::format("  {}", detail);
    fmt::print(lines_, "{}\n", line);
    std::fflush(lines_);
}

void tally::set_line_file(std::FILE* file) {
    const std::scoped_lock lock(mutex_);
    lines_ = file;
}

void tally::print_progress(std::chrono::steady_clock::duration elapsed) {
    const std::scoped_lock lock(mutex_);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(elapsed).count();
    std::string refusals;
    for (const auto& [why, n] : refused_by_reason_)
        refusals += fmt::format("{}{} {}", refusals.empty() ? "" : ", ", n, reason_words(why));
    std::string halls;
    for (const auto& h : event_.halls) {
        const auto it = hall_inside_.find(h.id);
        if (it == hall_inside_.end()) continue;
        halls += fmt::format("{}{} {}/{}", halls.empty() ? "" : ", ", h.name, it->second.first, it->second.second);
    }
    fmt::print(
        "{} {:>4} s: {} scans, {} admitted, {} exits, {} refused{}{}{}\n", clock_text(), seconds, sent_,
        admitted_entries_, admitted_exits_, refused_, refusals.empty() ? "" : " (" + refusals + ")",
        halls.empty() ? "" : "; inside: ", halls
    );
    std::fflush(stdout);
}

void tally::print_summary(std::chrono::steady_clock::duration elapsed, std::size_t stations) {
    const std::scoped_lock lock(mutex_);
    const double seconds = std::chrono::duration<double>(elapsed).count();
    const double rate = seconds > 0 ? static_cast<double>(sent_) / seconds : 0.0;
    const auto admitted = admitted_entries_ + admitted_exits_;
    if (style_ == output_style::json) {
        const auto object = [](const std::map<std::string, std::size_t>& counts) {
            std::string out = "{";
            for (const auto& [key, n] : counts) {
                if (out.size() > 1) out += ',';
                out += fmt::format(R"("{}":{})", json_escape(key), n);
            }
            return out + "}";
        };
        fmt::print(
            R"({{"summary":{{"seconds":{:.1f},"stations":{},"sent":{},"admitted":{},)"
            R"("admitted_entries":{},"admitted_exits":{},"refused":{},"refused_by_reason":{},)"
            R"("flagged":{},"replayed":{},"resent":{},"no_verdict":{},"no_verdict_why":{},)"
            R"("reconnects":{},"verdict_timeouts":{},"bad_scans":{}}}}})"
            "\n",
            seconds, stations, sent_, admitted, admitted_entries_, admitted_exits_, refused_,
            object(refused_by_reason_), flagged_, replayed_, resent_, unanswered_,
            object(problems_), reconnects_, timeouts_, object(bad_by_kind_)
        );
        std::fflush(stdout);
        return;
    }
    std::string text = fmt::format(
        "\nadmit-sim: {} scans from {} stations in {:.1f} s ({:.2f} scans/s)\n"
        "  admitted   {:>5}  (entries {}, exits {}; flagged for staff {})\n"
        "  refused    {:>5}\n",
        sent_, stations, seconds, rate, admitted, admitted_entries_, admitted_exits_, flagged_,
        refused_
    );
    for (const auto& [why, n] : refused_by_reason_) {
        text += fmt::format("    {:>5}  {}\n", n, reason_words(why));
    }
    if (unanswered_ > 0) {
        text += fmt::format("  no verdict {:>5}\n", unanswered_);
        for (const auto& [why, n] : problems_) text += fmt::format("    {:>5}  {}\n", n, why);
    }
    text += fmt::format(
        "  resent {} (answered as replayed: {}), reconnects {}, verdict timeouts {}\n", resent_,
        replayed_, reconnects_, timeouts_
    );
    std::string bad;
    for (const auto& [kind, n] : bad_by_kind_)
        bad += fmt::format("{}{} {}", bad.empty() ? "" : ", ", n, kind);
    text += fmt::format("  bad scans sent: {}\n", bad.empty() ? "none" : bad);
    fmt::print("{}", text);
    std::fflush(stdout);
}

}  // namespace admit::sim
