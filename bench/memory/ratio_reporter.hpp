// Console output plus the ratios the benchmark exists for, computed from the same run.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace fast_cache::bench {

/// Collects items_per_second of every "<operation>/<store>" benchmark and, at the end, prints per
/// operation and size: ns/op, 1 -> 2 thread scaling, and the in-memory backend's throughput over
/// the baseline's.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      const auto rate = run.counters.find("items_per_second");
      if (run.error_occurred || run.run_type != Run::RT_Iteration || rate == run.counters.end()) continue;
      const auto slash = run.run_name.function_name.find('/');
      rates_[{run.run_name.function_name.substr(0, slash), run.run_name.args}]
            [run.run_name.function_name.substr(slash + 1)][run.threads] = rate->second.value;
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\n%-9s %9s %14s %14s %16s %16s %16s\n", "operation", "entries", "memory ns/op", "baseline ns/op",
                "memory 2t/1t", "memory/base 1t", "memory/base 2t");
    for (const auto& row : rates_) {
      // Not a structured binding: clang 14 cannot capture one in the lambda below.
      const auto& workload = row.first;
      const auto& stores = row.second;
      const auto rate = [&](const char* store, long threads) {
        const auto s = stores.find(store);
        if (s == stores.end()) return 0.0;
        const auto t = s->second.find(threads);
        return t == s->second.end() ? 0.0 : t->second;
      };
      const auto ratio = [](double a, double b) { return b == 0 ? 0.0 : a / b; };
      const auto ns = [&](double per_second) { return ratio(1e9, per_second); };
      std::printf("%-9s %9s %14.1f %14.1f %15.2fx %15.2fx %15.2fx\n", std::get<0>(workload).c_str(),
                  std::get<1>(workload).c_str(), ns(rate("memory", 1)), ns(rate("baseline", 1)),
                  ratio(rate("memory", 2), rate("memory", 1)), ratio(rate("memory", 1), rate("baseline", 1)),
                  ratio(rate("memory", 2), rate("baseline", 2)));
    }
  }

 private:
  // (operation, entries) -> store -> threads -> items per second
  std::map<std::tuple<std::string, std::string>, std::map<std::string, std::map<long, double>>> rates_;
};

}  // namespace fast_cache::bench
