// "Did you mean" for misspelt keys and values.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace cafe::config::internal {

// Optimal string alignment distance: insertions, deletions, substitutions
// and swaps of neighbours each cost 1 (a swap is the most common typo).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word` within max_distance (the first on a tie),
// or nothing when none is that close or `word` itself is a candidate.
std::optional<std::string_view> closest(std::string_view word,
                                        const std::vector<std::string_view>& candidates,
                                        std::size_t max_distance = 2);

}  // namespace cafe::config::internal
