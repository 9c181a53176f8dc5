// wspp_echo_server: the websocketpp peer of the transport comparison
// (BENCHMARKS.md): websocketpp's own echo server example on its Asio
// transport without TLS (websocketpp::config::asio), one thread, logging off,
// TCP_NODELAY on as in admit's server. Loopback only. Stops on SIGINT/SIGTERM.
//
//   wspp_echo_server [--port N] [--port-file FILE]

#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>

#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "echo_options.hpp"

using server = websocketpp::server<websocketpp::config::asio>;

int main(int argc, char** argv) {
    const auto options = admit::bench::parse_echo_options(argc, argv, "wspp_echo_server");
    server s;
    s.clear_access_channels(websocketpp::log::alevel::all);
    s.clear_error_channels(websocketpp::log::elevel::all);
    s.init_asio();
    s.set_reuse_addr(true);
    s.set_socket_init_handler([](websocketpp::connection_hdl, boost::asio::ip::tcp::socket& sock) {
        boost::system::error_code ignored;
        sock.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    });
    s.set_message_handler([&s](websocketpp::connection_hdl hdl, server::message_ptr msg) {
        websocketpp::lib::error_code ec;
        s.send(hdl, msg->get_payload(), msg->get_opcode(), ec);
    });
    s.listen(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), options.port));
    s.start_accept();
    websocketpp::lib::asio::error_code ec;
    const auto bound = s.get_local_endpoint(ec).port();
    if (!options.port_file.empty()) std::ofstream(options.port_file) << bound << '\n';
    std::printf("wspp_echo_server on ws://127.0.0.1:%u/\n", bound);
    std::fflush(stdout);
    boost::asio::signal_set signals(s.get_io_service(), SIGINT, SIGTERM);
    signals.async_wait([&s](const boost::system::error_code&, int) { s.stop(); });
    s.run();
    return 0;
}
