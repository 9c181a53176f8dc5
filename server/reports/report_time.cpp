#include "reports/report_time.hpp"

#include <fmt/format.h>

namespace admit::reports {

using namespace std::chrono;

local_day day_of(core::time_point t, const core::local_clock& zone) {
    return static_cast<local_day>(zone.day_of(t).time_since_epoch().count());
}

std::string day_text(local_day day) {
    const year_month_day ymd{sys_days{days{day}}};
    return fmt::format(
        "{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
        static_cast<unsigned>(ymd.day())
    );
}

core::time_point day_start(local_day day, const core::local_clock& zone) {
    return zone.day_start(local_days{days{day}});
}

std::string local_text(core::time_point t, const core::local_clock& zone) {
    const auto local = floor<seconds>(zone.to_local(t));
    const auto day = floor<days>(local);
    const year_month_day ymd{sys_days{day.time_since_epoch()}};
    const hh_mm_ss hms{local - day};
    return fmt::format(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
        hms.minutes().count(), hms.seconds().count()
    );
}

double excel_serial(core::time_point t, const core::local_clock& zone) {
    // 25569 is 1970-01-01 in Excel's 1900 date system (which counts from 1899-12-30).
    constexpr double unix_epoch = 25569.0;
    const auto local = floor<seconds>(zone.to_local(t)).time_since_epoch().count();
    return unix_epoch + static_cast<double>(local) / 86400.0;
}

}  // namespace admit::reports
