// Badge files from the roster: the token is signed here with the event's
// secret key exactly as issue-badge does, so the printed QR and the CSV agree.
#include "admin/badge_files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "admin/commands.hpp"
#include "badges/qr_code.hpp"
#include "config/event_loader.hpp"
#include "config/key_files.hpp"
#include "core/badge.hpp"
#include "store/scan_store.hpp"

namespace admit::admin {
namespace {

namespace fs = std::filesystem;

// QR pixels per module in the PNG: about 2.5 cm wide at 300 dpi for a token.
constexpr int png_module_px = 8;

}  // namespace

void write_badge_files(
    const fs::path& config_file,
    const fs::path& data_dir,
    const fs::path& out_dir,
    const std::optional<std::string>& attendee_id,
    badges::page_layout layout,
    std::ostream& out
) {
    const auto config = config::load_config(config_file);
    const auto& event = config.event;
    const auto keys = config::read_badge_keys(data_dir);
    const auto store = store::open_store({data_dir, config.server.postgres_url}, store::open_mode::read_only);
    // Badges no door accepts are worse than none: refuse a key that is not the event's.
    check_signing_key(*store, config, data_dir, keys.pub, false);
    auto people = store->load_roster();
    std::sort(people.begin(), people.end(), [](const auto& a, const auto& b) {
        return a.id < b.id;
    });
    if (attendee_id) {
        std::erase_if(people, [&](const auto& p) { return p.id != *attendee_id; });
        if (people.empty()) {
            throw user_error(fmt::format(
                "no attendee \"{}\" in the roster in {}; check the id or import the roster with "
                "`admit import-roster`",
                *attendee_id, data_dir.string()
            ));
        }
    }
    if (people.empty()) {
        throw user_error(fmt::format(
            "the roster in {} is empty; import it first with `admit import-roster`",
            data_dir.string()
        ));
    }

    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec) {
        throw user_error(
            fmt::format("{}: cannot create the folder: {}", out_dir.string(), ec.message())
        );
    }

    std::vector<badges::badge_print> prints;
    prints.reserve(people.size());
    for (const auto& person : people) {
        const auto* category = event.find_category(person.category);
        if (category == nullptr) {
            throw user_error(fmt::format(
                "attendee \"{}\" has category \"{}\", which {} does not define; fix the roster or "
                "the config",
                person.id, person.category, config_file.string()
            ));
        }
        auto token = core::sign_badge_of(event.id, person, keys.secret);
        const auto png = badges::qr_png(token, png_module_px);
        write_private_file(
            out_dir / (person.id + ".png"),
            {reinterpret_cast<const char*>(png.data()), png.size()}
        );
        const auto svg = badges::qr_svg(token);
        write_private_file(out_dir / (person.id + ".svg"), svg);
        prints.push_back(
            {person, category->name, category->colour, event.name, std::move(token), badges::event_dates_text(event)}
        );
    }

    const auto pdf = out_dir / "badges.pdf";
    badges::write_badges_pdf(pdf, prints, layout);
    ::chmod(pdf.c_str(), 0600);
    fmt::print(
        out,
        "wrote {} badge(s) to {}: <id>.png and <id>.svg per attendee, badges.pdf ({} page(s), "
        "{})\n",
        prints.size(), out_dir.string(), badges::badge_page_count(prints.size(), layout),
        layout == badges::page_layout::a6_single ? "A6" : "A4, four per sheet"
    );
}

}  // namespace admit::admin
