// Demo data that looks like the Seoul event's real crowd, so dashboards and
// reports (attendance by city, by organisation) show something meaningful.
// Every person is invented; cities are plausible WeGO-like members, not the
// official member list.
#include "admin/demo_roster.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace admit::admin {
namespace {

// splitmix64: tiny, well-distributed and identical on every platform.
class demo_rng {
public:
    explicit demo_rng(std::uint64_t seed) : state_(seed) {}

    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31U);
    }
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
    bool chance(unsigned percent) { return below(100) < percent; }

    template <typename T, std::size_t N>
    const T& pick(const std::array<T, N>& items) {
        return items[below(N)];
    }

private:
    std::uint64_t state_;
};

enum class pool : std::uint8_t {
    korean,
    mongolian,
    indonesian,
    filipino,
    vietnamese,
    south_asian,
    central_asian,
    russian,
    caucasus_turkish,
    arabic,
    african,
    latin_american,
    european,
    east_asian,
};

struct name_pool {
    std::array<std::string_view, 10> given;
    std::array<std::string_view, 10> family;
    bool family_first;  // Hangul: 김민준, no space
};

// Indexed by pool.
const std::array<name_pool, 14> name_pools = {{
    {{"민준", "서연", "도윤", "지우", "서준", "하은", "예준", "지민", "현우", "수아"},
     {"김", "이", "박", "최", "정", "강", "조", "윤", "장", "한"},
     true},
    {{"Batbayar", "Oyuntsetseg", "Temuulen", "Enkhjargal", "Bold", "Sarangerel", "Ganzorig",
      "Nomin", "Erdene", "Tsetsegmaa"},
     {"Ganbold", "Batjargal", "Dorj", "Tsend", "Bayar", "Purev", "Altangerel", "Munkh",
      "Sukhbaatar", "Enkhbat"},
     false},
    {{"Budi", "Siti", "Agus", "Dewi", "Rizky", "Putri", "Hendra", "Ayu", "Fajar", "Indah"},
     {"Santoso", "Wijaya", "Pratama", "Saputra", "Hidayat", "Kusuma", "Nugroho", "Lestari",
      "Gunawan", "Setiawan"},
     false},
    {{"Maria", "Jose", "Angelica", "Mark", "Kristine", "Paolo", "Jasmine", "Ramon", "Bea",
      "Carlo"},
     {"Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza", "Villanueva", "Ramos",
      "Aquino", "Dela Cruz"},
     false},
    {{"Minh", "Lan", "Tuan", "Huong", "Duc", "Mai", "Thanh", "Linh", "Quang", "Thu"},
     {"Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui", "Do", "Ngo"},
     false},
    {{"Aarav", "Priya", "Rohan", "Ananya", "Sanjay", "Kavya", "Arjun", "Meera", "Nikhil",
      "Sita"},
     {"Sharma", "Patel", "Rahman", "Perera", "Shrestha", "Gupta", "Silva", "Hossain", "Rao",
      "Tamang"},
     false},
    {{"Timur", "Aigerim", "Nurlan", "Dilnoza", "Rustam", "Madina", "Azamat", "Zarina",
      "Bakhtiyor", "Aizhan"},
     {"Abdullaev", "Nurpeisova", "Karimov", "Tursunova", "Omarov", "Saparova", "Yusupov",
      "Akhmetova", "Rakhimov", "Bekova"},
     false},
    {{"Alexei", "Elena", "Dmitry", "Olga", "Ilnur", "Aliya", "Sergei", "Natalia", "Rustem",
      "Anastasia"},
     {"Ivanov", "Smirnova", "Khairullin", "Petrova", "Gabdullin", "Volkova", "Sokolov",
      "Minnikhanova", "Kuznetsov", "Fedorova"},
     false},
    {{"Giorgi", "Nino", "Emre", "Zeynep", "Armen", "Ani", "Rashad", "Leyla", "Mehmet",
      "Elif"},
     {"Beridze", "Kapanadze", "Yilmaz", "Kaya", "Hakobyan", "Sargsyan", "Aliyev", "Mammadova",
      "Demir", "Celik"},
     false},
    {{"Ahmed", "Fatima", "Omar", "Layla", "Khalid", "Noor", "Youssef", "Mariam", "Hassan",
      "Salma"},
     {"Al-Mansouri", "Haddad", "Nasser", "Al-Hashimi", "Khoury", "Saleh", "Ben Ali", "Amrani",
      "Al-Farsi", "Mansour"},
     false},
    {{"Amara", "Kwame", "Wanjiru", "Tesfaye", "Aline", "Chinedu", "Fatou", "Joseph", "Grace",
      "Moussa"},
     {"Mensah", "Okafor", "Kamau", "Bekele", "Uwimana", "Diallo", "Ndiaye", "Mwangi", "Haile",
      "Nkurunziza"},
     false},
    {{"Sofia", "Mateo", "Valentina", "Santiago", "Camila", "Diego", "Lucia", "Andres",
      "Fernanda", "Joao"},
     {"Gonzalez", "Rodriguez", "Hernandez", "Lopez", "Martinez", "Silva", "Ramirez", "Torres",
      "Oliveira", "Castillo"},
     false},
    {{"Anna", "Lukas", "Marta", "Pau", "Laura", "Jonas", "Ines", "Mikko", "Kadri", "Tomas"},
     {"Puig", "Costa", "Tamm", "Virtanen", "Ferreira", "Novak", "Muller", "Garcia", "Kask",
      "Rossi"},
     false},
    {{"Wei", "Yuki", "Jun", "Mei", "Hiroshi", "Li", "Haruka", "Chen", "Takumi", "Xin"},
     {"Wang", "Sato", "Zhang", "Tanaka", "Liu", "Suzuki", "Chen", "Takahashi", "Yang",
      "Watanabe"},
     false},
}};

struct city {
    std::string_view name;
    std::string_view country;
    pool people;
};

// 71 member-city-like cities (plausible, not the official WeGO list).
constexpr std::array<city, 71> cities = {{
    {"Seoul", "Republic of Korea", pool::korean},
    {"Busan", "Republic of Korea", pool::korean},
    {"Incheon", "Republic of Korea", pool::korean},
    {"Daejeon", "Republic of Korea", pool::korean},
    {"Gwangju", "Republic of Korea", pool::korean},
    {"Suwon", "Republic of Korea", pool::korean},
    {"Ulaanbaatar", "Mongolia", pool::mongolian},
    {"Jakarta", "Indonesia", pool::indonesian},
    {"Bandung", "Indonesia", pool::indonesian},
    {"Surabaya", "Indonesia", pool::indonesian},
    {"Makassar", "Indonesia", pool::indonesian},
    {"Makati", "Philippines", pool::filipino},
    {"Quezon City", "Philippines", pool::filipino},
    {"Cebu City", "Philippines", pool::filipino},
    {"Davao City", "Philippines", pool::filipino},
    {"Hanoi", "Viet Nam", pool::vietnamese},
    {"Ho Chi Minh City", "Viet Nam", pool::vietnamese},
    {"Da Nang", "Viet Nam", pool::vietnamese},
    {"Phnom Penh", "Cambodia", pool::vietnamese},
    {"Vientiane", "Lao PDR", pool::vietnamese},
    {"Kuala Lumpur", "Malaysia", pool::indonesian},
    {"Iskandar Puteri", "Malaysia", pool::indonesian},
    {"Kathmandu", "Nepal", pool::south_asian},
    {"Dhaka", "Bangladesh", pool::south_asian},
    {"Colombo", "Sri Lanka", pool::south_asian},
    {"Pune", "India", pool::south_asian},
    {"Bhubaneswar", "India", pool::south_asian},
    {"Tashkent", "Uzbekistan", pool::central_asian},
    {"Samarkand", "Uzbekistan", pool::central_asian},
    {"Almaty", "Kazakhstan", pool::central_asian},
    {"Astana", "Kazakhstan", pool::central_asian},
    {"Bishkek", "Kyrgyzstan", pool::central_asian},
    {"Dushanbe", "Tajikistan", pool::central_asian},
    {"Kazan", "Russia", pool::russian},
    {"Moscow", "Russia", pool::russian},
    {"Novosibirsk", "Russia", pool::russian},
    {"Yekaterinburg", "Russia", pool::russian},
    {"Ufa", "Russia", pool::russian},
    {"Tbilisi", "Georgia", pool::caucasus_turkish},
    {"Baku", "Azerbaijan", pool::caucasus_turkish},
    {"Yerevan", "Armenia", pool::caucasus_turkish},
    {"Istanbul", "Turkiye", pool::caucasus_turkish},
    {"Konya", "Turkiye", pool::caucasus_turkish},
    {"Dubai", "United Arab Emirates", pool::arabic},
    {"Amman", "Jordan", pool::arabic},
    {"Muscat", "Oman", pool::arabic},
    {"Ramallah", "Palestine", pool::arabic},
    {"Tunis", "Tunisia", pool::arabic},
    {"Rabat", "Morocco", pool::arabic},
    {"Addis Ababa", "Ethiopia", pool::african},
    {"Nairobi", "Kenya", pool::african},
    {"Kigali", "Rwanda", pool::african},
    {"Kampala", "Uganda", pool::african},
    {"Dar es Salaam", "Tanzania", pool::african},
    {"Lagos", "Nigeria", pool::african},
    {"Accra", "Ghana", pool::african},
    {"Dakar", "Senegal", pool::african},
    {"Mexico City", "Mexico", pool::latin_american},
    {"Guadalajara", "Mexico", pool::latin_american},
    {"Bogota", "Colombia", pool::latin_american},
    {"Medellin", "Colombia", pool::latin_american},
    {"Lima", "Peru", pool::latin_american},
    {"Quito", "Ecuador", pool::latin_american},
    {"Santiago", "Chile", pool::latin_american},
    {"Sao Paulo", "Brazil", pool::latin_american},
    {"Montevideo", "Uruguay", pool::latin_american},
    {"Barcelona", "Spain", pool::european},
    {"Lisbon", "Portugal", pool::european},
    {"Tallinn", "Estonia", pool::european},
    {"Chengdu", "China", pool::east_asian},
    {"Kobe", "Japan", pool::east_asian},
}};

constexpr std::array<std::string_view, 8> international_organisations = {
    "WeGO Secretariat",
    "UN-Habitat",
    "Asian Development Bank",
    "World Bank Group",
    "Korea International Cooperation Agency (KOICA)",
    "Samsung SDS",
    "LG CNS",
    "Naver Cloud",
};

constexpr std::array<std::string_view, 8> speaker_organisations = {
    "KAIST Graduate School of Science and Technology Policy",
    "Seoul National University, Graduate School of Environmental Studies",
    "Korea Research Institute for Human Settlements",
    "Seoul Institute",
    "UN-Habitat",
    "OECD Centre for Entrepreneurship, SMEs, Regions and Cities",
    "Seoul Digital Foundation",
    "Yonsei University, Department of Urban Planning",
};

constexpr std::array<std::string_view, 12> press_organisations = {
    "Yonhap News Agency", "The Korea Herald", "The Korea Times", "KBS", "MBC", "SBS",
    "Arirang TV", "Seoul Shinmun", "Maeil Business Newspaper", "ZDNet Korea",
    "Electronic Times", "Nikkei Asia",
};

constexpr std::array<std::string_view, 4> staff_organisations = {
    "Seoul Metropolitan Government, Smart City Policy Bureau",
    "Seoul Metropolitan Government, International Relations Division",
    "WeGO Secretariat",
    "Seoul Digital Foundation",
};

constexpr std::array<std::string_view, 4> vip_organisations = {
    "Seoul Metropolitan Government",
    "Seoul Metropolitan Council",
    "Ministry of Land, Infrastructure and Transport",
    "WeGO Executive Committee",
};

constexpr std::array<std::string_view, 10> guest_organisations = {
    "KT", "SK Telecom", "Kakao Mobility", "Hyundai Motor Group", "Seoul Business Agency",
    "Korea Smart City Association", "Seoul Citizens' Digital Forum", "Hanyang University",
    "Korea Land and Housing Corporation", "",
};

std::string person_name(demo_rng& rng, pool people) {
    const name_pool& names = name_pools[static_cast<std::size_t>(people)];
    const std::string_view given = rng.pick(names.given);
    const std::string_view family = rng.pick(names.family);
    if (names.family_first) {
        return fmt::format("{}{}", family, given);
    }
    return fmt::format("{} {}", given, family);
}

// Koreans at a Seoul event: mostly Hangul names, some international guests.
pool local_pool(demo_rng& rng) {
    if (rng.chance(75)) {
        return pool::korean;
    }
    return static_cast<pool>(rng.below(name_pools.size()));
}

struct plan_entry {
    std::string_view category;
    std::size_t count;
};

}  // namespace

std::vector<core::attendee> make_demo_roster(
    const core::event_config& event,
    std::size_t count,
    std::uint64_t seed
) {
    demo_rng rng{seed};

    // Shares of a 400-person event: 200 delegates, the 21 finalists, the rest.
    std::vector<plan_entry> plan = {
        {"vip", std::max<std::size_t>(1, count * 3 / 100)},
        {"speaker", std::max<std::size_t>(1, count * 4 / 100)},
        {"finalist", std::min<std::size_t>(21, std::max<std::size_t>(1, count / 19))},
        {"press", count * 5 / 100},
        {"staff", count * 6 / 100},
        {"delegate", count / 2},
    };
    std::size_t planned = 0;
    for (auto& entry : plan) {
        entry.count = std::min(entry.count, count - planned);
        planned += entry.count;
    }
    plan.push_back({"guest", count - planned});

    // Categories the event lacks hand their share to guest (or the first category).
    std::string_view fallback;
    if (event.find_category("guest") != nullptr) {
        fallback = "guest";
    } else if (!event.categories.empty()) {
        fallback = event.categories.front().id;
    } else {
        return {};
    }
    std::size_t moved = 0;
    for (auto& entry : plan) {
        if (event.find_category(entry.category) == nullptr) {
            moved += entry.count;
            entry.count = 0;
        }
    }
    const auto into = std::find_if(plan.begin(), plan.end(), [&](const plan_entry& entry) {
        return entry.category == fallback;
    });
    if (into != plan.end()) {
        into->count += moved;
    } else {
        plan.push_back({fallback, moved});
    }

    // Delegates walk a shuffled city list so that every city is represented.
    std::array<std::size_t, cities.size()> city_order{};
    for (std::size_t i = 0; i < city_order.size(); ++i) {
        city_order[i] = i;
    }
    for (std::size_t i = city_order.size() - 1; i > 0; --i) {
        std::swap(city_order[i], city_order[rng.below(i + 1)]);
    }

    std::vector<core::attendee> people;
    people.reserve(count);
    for (const auto& entry : plan) {
        for (std::size_t n = 1; n <= entry.count; ++n) {
            core::attendee person;
            person.id = fmt::format("{}-{:04}", entry.category, n);
            person.category = std::string{entry.category};
            pool names = local_pool(rng);
            const city* from = &cities[0];
            if (entry.category == "delegate") {
                from = &cities[city_order[(n - 1) % cities.size()]];
                names = from->people;
                if (rng.chance(10)) {
                    person.organisation = std::string{rng.pick(international_organisations)};
                } else if (from->people == pool::korean || rng.chance(50)) {
                    person.organisation = fmt::format("{} Metropolitan Government", from->name);
                } else {
                    person.organisation = fmt::format("City of {}", from->name);
                }
            } else if (entry.category == "finalist") {
                // Winners come from cities everywhere; about half are Korean districts.
                if (rng.chance(50)) {
                    from = &cities[rng.below(cities.size())];
                    names = from->people;
                }
                static constexpr std::array<std::string_view, 3> prizes = {
                    "Project", "Leadership", "Special prize"};
                person.organisation = fmt::format(
                    "{} Smart City Office ({} category)",
                    from->name,
                    prizes[(n - 1) % prizes.size()]
                );
            } else if (entry.category == "vip") {
                person.organisation = std::string{rng.pick(vip_organisations)};
            } else if (entry.category == "speaker") {
                person.organisation = std::string{rng.pick(speaker_organisations)};
                if (rng.chance(50)) {
                    from = &cities[rng.below(cities.size())];
                    names = from->people;
                }
            } else if (entry.category == "press") {
                person.organisation = std::string{rng.pick(press_organisations)};
            } else if (entry.category == "staff") {
                person.organisation = std::string{rng.pick(staff_organisations)};
                names = rng.chance(90) ? pool::korean : names;
            } else {
                person.organisation = std::string{rng.pick(guest_organisations)};
            }
            person.name = person_name(rng, names);
            person.city = std::string{from->name};
            person.country = std::string{from->country};
            if (rng.chance(85)) {
                person.email = fmt::format("{}@example.org", person.id);
            }
            people.push_back(std::move(person));
        }
    }
    return people;
}

}  // namespace admit::admin
