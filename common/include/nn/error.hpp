// error.hpp — the project's exception types.
//
// Every failure a user can cause (a bad flag, a corrupt file, a wrong
// checkpoint) is reported by throwing nn::Error with a message that names the
// thing, what was expected and what was found. Programs catch it in main,
// print it, and exit non-zero (see nn/cli.hpp).
#pragma once

#include <stdexcept>
#include <string>

namespace nn {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by a hole in exercises/: "exercise 1.2 (neuron backward) is not
// implemented yet". Tests that grade an exercise fail with this message until
// the learner fills the hole in.
class NotImplementedError : public Error {
 public:
  using Error::Error;
};

// Called where the exercise generator removed a region of solution code.
[[noreturn]] void exercise_not_implemented(const char* id, const char* title);

}  // namespace nn
