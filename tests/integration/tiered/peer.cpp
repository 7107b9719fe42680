// Another process sharing a store with the tests: builds the backend of a URL (a tiered:// one, so
// its writes publish invalidations), makes one change and exits.
//
//   tiered_peer URL set KEY VALUE | erase KEY | clear
#include <fast_cache/backend_factory.hpp>

#include <chrono>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: tiered_peer URL set KEY VALUE | erase KEY | clear\n";
    return 2;
  }
  try {
    const auto backend = fast_cache::make_backend(argv[1]);
    const std::string command = argv[2];
    if (command == "set" && argc == 5) {
      backend->set(argv[3], argv[4], std::chrono::hours(1));
    } else if (command == "erase" && argc == 4) {
      backend->erase(argv[3]);
    } else if (command == "clear" && argc == 3) {
      backend->clear();
    } else {
      std::cerr << "tiered_peer: unknown command\n";
      return 2;
    }
    backend->close();
  } catch (const std::exception& e) {
    std::cerr << "tiered_peer: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
