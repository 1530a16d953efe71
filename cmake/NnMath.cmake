# The math library: the chapters' forward/backward passes, losses and
# training rules, built from solutions/ or from exercises/ (same files, same
# signatures) according to NN_MATH.

set(NN_MATH_DIR ${PROJECT_SOURCE_DIR}/${NN_MATH})
set(NN_MATH_SOURCES
  ch01/neuron.cpp
  ch02/activations.cpp
  ch02/losses.cpp
  ch02/maxout.cpp
  ch03/dense.cpp
  ch03/mlp.cpp
  ch03/worked.cpp
  ch05/optimizers.cpp
  ch05/regularization.cpp
  ch05/classifier.cpp
  ch05/train.cpp
  ch06/shapes.cpp
  ch06/conv.cpp
  ch07/conv_backward.cpp
  ch07/pooling.cpp
  layers/conv_routes.cpp
  layers/basic.cpp
  layers/compose.cpp
  layers/preprocess.cpp
  layers/network.cpp
  layers/train.cpp
  layers/report.cpp
  ch07/cnn.cpp
  ch08/lenet5.cpp
  ch08/lenet1998.cpp
  ch08/lenet5_network.cpp
  ch09/lrn.cpp
  ch09/alexnet.cpp
  ch10/batchnorm.cpp
  ch10/vgg.cpp
  ch10/resnet.cpp
  ch10/inception.cpp
)
list(TRANSFORM NN_MATH_SOURCES PREPEND ${NN_MATH_DIR}/)

add_library(nn_math STATIC ${NN_MATH_SOURCES})
add_library(nn::math ALIAS nn_math)
target_include_directories(nn_math PUBLIC ${NN_MATH_DIR})
target_link_libraries(nn_math PUBLIC nn::common PRIVATE nn::warnings nn::fp_rules)
if(NN_MATH STREQUAL "exercises")
  # A hole in an exercise leaves its parameters unused until the learner
  # fills it in; that is expected, not a defect.
  target_compile_options(nn_math PRIVATE -Wno-unused-parameter -Wno-unused-variable
                         -Wno-unused-but-set-variable -Wno-unused-function)
endif()
message(STATUS "Math library: ${NN_MATH} (${NN_MATH_DIR})")
