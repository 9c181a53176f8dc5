// Separate compilation of Asio (BOOST_ASIO_SEPARATE_COMPILATION): its
// implementation is built once here instead of in every translation unit.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
