// The outbox on a real SQLite file: what survives a restart, unique scan ids
// across boots, order, and removal by verdict.
#include "kiosk/outbox.hpp"

#include <gtest/gtest.h>

#include "support/server_process.hpp"

namespace admit::scanner {
namespace {

outbox_entry entry(outbox& box, std::string payload, bool offline = false) {
    outbox_entry e;
    e.scan_id = box.next_scan_id();
    e.payload = std::move(payload);
    e.device_time_ms = 1695700000000;
    e.offline = offline;
    if (offline) {
        e.shown = core::verdict{true, core::reason::ok, false, "Welcome."};
        e.hall_delta = 1;
    }
    return e;
}

TEST(outbox, keeps_scans_in_order_across_restarts_with_ids_unique_per_boot) {
    test::temp_dir dir;
    std::vector<std::string> ids;
    {
        outbox box(dir.path(), "k1");
        for (int i = 0; i < 3; ++i) {
            auto e = entry(box, "p" + std::to_string(i), i == 1);
            ids.push_back(e.scan_id);
            box.add(e);
        }
        EXPECT_EQ(box.instance_id().size(), 12u);
        EXPECT_EQ(ids.front(), "k1-" + box.instance_id() + "-1-1");
    }  // as after a kill: nothing else was done
    outbox box(dir.path(), "k1");
    EXPECT_EQ(box.boot_id(), 2);
    EXPECT_EQ(box.next_scan_id(), "k1-" + box.instance_id() + "-2-1");
    EXPECT_EQ(ids.front(), "k1-" + box.instance_id() + "-1-1") << "the instance id survives a restart";
    ASSERT_EQ(box.backlog(), 3u);
    const auto all = box.after(0, 10);
    ASSERT_EQ(all.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(all[i].scan_id, ids[i]);
    EXPECT_TRUE(all[1].offline);
    ASSERT_TRUE(all[1].shown.has_value());
    EXPECT_EQ(all[1].shown->explanation, "Welcome.");
    EXPECT_EQ(box.pending_hall_delta(), 1);
    EXPECT_EQ(box.after(all[0].seq, 1).front().scan_id, ids[1]);
}

TEST(outbox, a_verdict_removes_its_scan_once) {
    test::temp_dir dir;
    outbox box(dir.path(), "k1");
    auto a = entry(box, "a");
    auto b = entry(box, "b");
    box.add(a);
    box.add(b);
    EXPECT_TRUE(box.mark_offline(
        b.scan_id, core::verdict{false, core::reason::hall_full, false, "Full."}, 0
    ));
    const auto removed = box.remove(std::vector<std::string>{a.scan_id, "never-sent", b.scan_id});
    ASSERT_EQ(removed.size(), 3u);
    EXPECT_TRUE(removed[0].has_value());
    EXPECT_FALSE(removed[1].has_value());
    ASSERT_TRUE(removed[2].has_value());
    EXPECT_EQ(removed[2]->shown->why, core::reason::hall_full);
    EXPECT_FALSE(box.remove(a.scan_id).has_value());
    EXPECT_EQ(box.backlog(), 0u);
    EXPECT_EQ(outbox::open_read_only(dir.path())->backlog(), 0u);
}

TEST(outbox, remembers_occupancy_and_presence_until_the_server_speaks_again) {
    test::temp_dir dir;
    {
        outbox box(dir.path(), "k1");
        EXPECT_FALSE(box.last_inside().has_value());
        box.set_last_inside(42);
        box.remember_presence("d-1", "forum", 1000);
        box.remember_presence("d-2", "forum", 3000);
    }
    outbox box(dir.path(), "k1");
    EXPECT_EQ(box.last_inside(), 42);
    EXPECT_EQ(box.remembered_presence().size(), 2u);
    box.forget_presence_before(2000);
    const auto left = box.remembered_presence();
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left.front().first, "d-2");
}

}  // namespace
}  // namespace admit::scanner

namespace admit::scanner {
namespace {

// A replacement kiosk for the same station starts with an empty state folder:
// its ids must not repeat the old kiosk's (issue 19: they did, "k1-1-1" again).
TEST(outbox, a_new_state_folder_never_repeats_another_kiosks_scan_ids) {
    test::temp_dir old_dir, new_dir;
    outbox old_kiosk(old_dir.path(), "k1");
    outbox replacement(new_dir.path(), "k1");
    EXPECT_NE(old_kiosk.instance_id(), replacement.instance_id());
    EXPECT_NE(old_kiosk.next_scan_id(), replacement.next_scan_id());
}

TEST(outbox, a_held_scan_leaves_the_outbox_and_is_kept_for_staff) {
    test::temp_dir dir;
    outbox box(dir.path(), "k1");
    auto e = entry(box, "payload", false);
    box.add(e);
    const auto held = box.hold(e.scan_id, "scan id conflict", 1000);
    ASSERT_TRUE(held.has_value());
    EXPECT_EQ(held->payload, "payload");
    EXPECT_EQ(box.backlog(), 0u);
    EXPECT_EQ(box.held_count(), 1u);
    EXPECT_FALSE(box.hold(e.scan_id, "again", 2000).has_value());
}

}  // namespace
}  // namespace admit::scanner
