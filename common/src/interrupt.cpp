#include "nn/interrupt.hpp"

#include <csignal>

namespace nn {

namespace {

volatile std::sig_atomic_t received = 0;
int depth = 0;  // guards alive; only the outermost installs and restores
struct sigaction previous_int, previous_term;

extern "C" void on_signal(int signal) {
  received = signal;
  std::signal(signal, SIG_DFL);  // async-signal-safe: a second signal acts as usual
}

}  // namespace

InterruptGuard::InterruptGuard() {
  if (depth++ > 0) return;
  received = 0;
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);
}

InterruptGuard::~InterruptGuard() {
  if (--depth > 0) return;
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
}

int pending_interrupt() { return received; }

std::string signal_name(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signal);
}

}  // namespace nn
