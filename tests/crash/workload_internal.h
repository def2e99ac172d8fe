// Internals of the workload generators (workload.cpp, mixed_workload.cpp): the random
// draws both use, and the mixed workloads' generator.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <random>
#include <string>

#include "workload.h"

namespace crash::detail {

// The seed of operation `index` of stream `principal`.
std::uint64_t mix(std::uint64_t seed, const std::string& principal, std::int64_t index);
std::string pick(std::mt19937_64& rng, std::initializer_list<const char*> codes);
// 1..max.
std::int64_t amount(std::mt19937_64& rng, std::int64_t max);
// A memo with quotes, a backslash and non-ASCII text, which stored bodies must keep.
std::string memo(const std::string& tag, std::mt19937_64& rng);
// A transfer of the sequential workload (index % 4 == 0: one that funds a customer).
void fill_sequential(ledger::TransferRequest& r, std::int64_t index, std::mt19937_64& rng);
// A transfer of the concurrent workload: between accounts without a floor.
void fill_concurrent(ledger::TransferRequest& r, std::mt19937_64& rng);

// Operation `index` of a mixed workload (mixed_workload.cpp).
Op make_mixed_op(Workload workload, std::uint64_t seed, const std::string& principal,
                 std::int64_t index);

}  // namespace crash::detail
