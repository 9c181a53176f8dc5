// Boost.URL compiled once into this project (Debian ships it header-only).
#include <boost/url/src.hpp>
