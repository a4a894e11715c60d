#include <iostream>

#include "cli/command.h"

namespace kfm::cli {

void AddVersionCommand(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("version", "Print the version of kfm-energy");
  cmd->callback([&exit_code] {
    std::cout << "kfm-energy " << KFM_VERSION << "\n";
    exit_code = 0;
  });
}

}  // namespace kfm::cli
