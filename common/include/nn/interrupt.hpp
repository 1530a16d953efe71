// interrupt.hpp — stopping a long run cleanly on Ctrl-C (SIGINT) or a
// scheduler's SIGTERM.
//
// While an InterruptGuard lives, either signal only sets a flag (and puts
// the default action back, so that a second one ends the process at once).
// The training loop looks at the flag after every step: it finishes the
// step, saves a checkpoint from which the run resumes exactly, and throws
// Interrupted; the program prints the message and exits with 128 + the
// signal's number, as a shell reports a process ended by it.
#pragma once

#include <string>

#include "nn/error.hpp"

namespace nn {

class Interrupted : public Error {
 public:
  Interrupted(int signal, const std::string& what) : Error(what), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

// The signal received while a guard was alive (0: none); cleared when the
// outermost guard is made.
int pending_interrupt();
// "SIGINT", "SIGTERM" or "signal N".
std::string signal_name(int signal);

}  // namespace nn
