// The only translation unit that compiles Asio and Beast
// (BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION are set
// for the whole project), so every other file includes only declarations.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
