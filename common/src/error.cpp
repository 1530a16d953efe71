#include "nn/error.hpp"

namespace nn {

void exercise_not_implemented(const char* id, const char* title) {
  throw NotImplementedError(std::string("exercise ") + id + " (" + title +
                            ") is not implemented yet");
}

}  // namespace nn
