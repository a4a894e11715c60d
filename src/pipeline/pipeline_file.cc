#include "pipeline/pipeline_file.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <queue>
#include <span>
#include <sstream>
#include <unordered_map>

#include "otel/bundle.h"

namespace kfm::pipeline {
namespace {

using Keys = std::span<const std::string_view>;
constexpr std::string_view kTopKeys[] = {"pipeline", "region", "defaults", "nodes"};
constexpr std::string_view kDefaultKeys[] = {"domain",  "pipeline_kind", "timeout",
                                             "retries", "production",    "env"};
constexpr std::string_view kNodeKeys[] = {"run", "shell",   "needs",   "domain",    "pipeline_kind",
                                          "env", "timeout", "retries", "production"};
constexpr int kMaxRetries = 10;

// One key of a YAML map, in file order, with the nodes that carry its marks.
struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

// Settings a node may take from `defaults`; absent values fall through to the next level.
struct Settings {
  std::optional<std::string> domain;
  std::optional<std::string> pipeline_kind;
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<int> retries;
  std::optional<bool> production;
  std::vector<std::pair<std::string, std::string>> env;
};

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The closest of `candidates` within edit distance 2 (the first one on a tie), or "".
std::string Closest(std::string_view word, Keys candidates) {
  std::string best;
  size_t best_distance = 3;
  for (std::string_view c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(c);
    }
  }
  return best;
}

std::string Join(Keys keys) {
  std::string out;
  for (std::string_view k : keys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing (null)";
    case YAML::NodeType::Sequence:
      return node.size() == 0 ? "an empty list" : "a list";
    case YAML::NodeType::Map:
      return node.size() == 0 ? "an empty map" : "a map";
    case YAML::NodeType::Scalar:
      return "\"" + node.Scalar() + "\"";
    default:
      return "nothing";
  }
}

// A plain (unquoted) scalar that is a whole decimal integer.
std::optional<int64_t> PlainInteger(const YAML::Node& node) {
  if (!node.IsScalar() || node.Tag() == "!") return std::nullopt;
  const std::string& text = node.Scalar();
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool ValidVariableName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

class Loader {
 public:
  explicit Loader(const std::filesystem::path& file) : file_(file.string()) {}

  Result<PipelineSpec> Load(std::string_view yaml, const std::filesystem::path& file);

 private:
  // "<file>:<line>:<column>: <field>: <what>", 1-based (yaml-cpp's marks are 0-based).
  Status Error(const YAML::Mark& mark, std::string_view field, std::string_view what) const {
    std::ostringstream out;
    out << file_ << ':' << std::max(mark.line, 0) + 1 << ':' << std::max(mark.column, 0) + 1 << ": "
        << field << ": " << what;
    return Status::InvalidArgument(out.str());
  }
  // A null value has no place of its own in yaml-cpp; its key's is the useful one.
  Status Error(const Entry& e, std::string_view field, std::string_view what) const {
    return Error(e.value.IsNull() ? e.key_node.Mark() : e.value.Mark(), field, what);
  }
  Status WrongType(const Entry& e, std::string_view field, std::string_view expected) const {
    return Error(e, field, "expected " + std::string(expected) + ", got " + Describe(e.value));
  }

  Status Entries(const YAML::Node& map, const std::string& path, std::optional<Keys> known,
                 std::vector<Entry>& out) const;
  Result<std::string> String(const Entry& e, const std::string& field) const;
  Status Setting(const Entry& e, const std::string& path, Settings& s, bool& handled) const;
  Status Node(const Entry& e, const Settings& defaults, NodeSpec& node,
              std::vector<YAML::Mark>& need_marks) const;
  Status Order(PipelineSpec& spec, const std::vector<YAML::Mark>& node_marks,
               const std::vector<std::vector<YAML::Mark>>& need_marks) const;

  std::string file_;
};

Status Loader::Entries(const YAML::Node& map, const std::string& path, std::optional<Keys> known,
                       std::vector<Entry>& out) const {
  std::unordered_map<std::string, int> first_line;
  for (auto it = map.begin(); it != map.end(); ++it) {
    Entry e{it->first.Scalar(), it->first, it->second};
    std::string field = path.empty() ? e.key : path + "." + e.key;
    if (!it->first.IsScalar()) {
      return Error(it->first.Mark(), path.empty() ? "(top level)" : path,
                   "expected a key, got " + Describe(it->first));
    }
    if (known && std::find(known->begin(), known->end(), e.key) == known->end()) {
      std::string what = "unknown key \"" + e.key + "\"";
      if (std::string near = Closest(e.key, *known); !near.empty()) {
        what += " (did you mean \"" + near + "\"?)";
      }
      return Error(e.key_node.Mark(), field, what + "; known keys: " + Join(*known));
    }
    // yaml-cpp 0.7 keeps both pairs of a repeated key (and `map[key]` sees the first only),
    // so repeats are found here rather than silently resolved.
    int line = e.key_node.Mark().line + 1;
    if (auto [seen, inserted] = first_line.emplace(e.key, line); !inserted) {
      std::string kind = path == "nodes" ? "duplicate node name" : "duplicate key";
      return Error(e.key_node.Mark(), field,
                   kind + " \"" + e.key + "\" (lines " + std::to_string(seen->second) + " and " +
                       std::to_string(line) + ")");
    }
    out.push_back(std::move(e));
  }
  return Status::Ok();
}

Result<std::string> Loader::String(const Entry& e, const std::string& field) const {
  if (!e.value.IsScalar()) return WrongType(e, field, "a string");
  if (e.value.Scalar().empty()) return Error(e, field, "must not be empty");
  return e.value.Scalar();
}

Status Loader::Setting(const Entry& e, const std::string& path, Settings& s, bool& handled) const {
  const std::string field = path + "." + e.key;
  handled = true;
  if (e.key == "domain" || e.key == "pipeline_kind") {
    auto text = String(e, field);
    if (!text.ok()) return text.status();
    (e.key == "domain" ? s.domain : s.pipeline_kind) = std::move(text.value());
  } else if (e.key == "timeout") {
    const char* kExpected = "a duration (2h, 90m, 45s, 1h30m, 500ms) or a number of seconds";
    if (auto seconds = PlainInteger(e.value)) {
      if (*seconds < 0) return Error(e, field, "must not be negative, got " + e.value.Scalar());
      if (*seconds > std::numeric_limits<int64_t>::max() / 1000) {
        return Error(e, field, "is too long: " + e.value.Scalar() + " seconds");
      }
      s.timeout = std::chrono::seconds(*seconds);
    } else if (auto d = e.value.IsScalar() ? ParseDuration(e.value.Scalar()) : std::nullopt) {
      s.timeout = *d;
    } else {
      return WrongType(e, field, kExpected);
    }
  } else if (e.key == "retries") {
    auto n = PlainInteger(e.value);
    if (!n) return WrongType(e, field, "an integer from 0 to 10");
    if (*n < 0 || *n > kMaxRetries) {
      return Error(e, field, "must be from 0 to 10, got " + e.value.Scalar());
    }
    s.retries = static_cast<int>(*n);
  } else if (e.key == "production") {
    if (!e.value.IsScalar() || e.value.Tag() == "!") return WrongType(e, field, "true or false");
    const std::string& text = e.value.Scalar();
    if (text == "true" || text == "True" || text == "TRUE") {
      s.production = true;
    } else if (text == "false" || text == "False" || text == "FALSE") {
      s.production = false;
    } else {
      return WrongType(e, field, "true or false");
    }
  } else if (e.key == "env") {
    if (!e.value.IsMap()) return WrongType(e, field, "a map of variable name -> value");
    std::vector<Entry> vars;
    if (Status st = Entries(e.value, field, std::nullopt, vars); !st.ok()) return st;
    for (const Entry& var : vars) {
      const std::string var_field = field + "." + var.key;
      if (!ValidVariableName(var.key)) {
        return Error(var.key_node.Mark(), var_field,
                     "not a variable name (letters, digits and '_', not starting with a digit)");
      }
      if (!var.value.IsScalar()) return WrongType(var, var_field, "a string");
      auto value = ExpandVariables(var.value.Scalar(), [](const std::string& name) {
        const char* v = std::getenv(name.c_str());
        return v == nullptr ? std::nullopt : std::optional<std::string>(v);
      });
      if (!value.ok()) return Error(var, var_field, value.status().message());
      auto same = std::find_if(s.env.begin(), s.env.end(),
                               [&](const auto& kv) { return kv.first == var.key; });
      if (same != s.env.end()) {
        same->second = std::move(value.value());
      } else {
        s.env.emplace_back(var.key, std::move(value.value()));
      }
    }
  } else {
    handled = false;
  }
  return Status::Ok();
}

Status Loader::Node(const Entry& e, const Settings& defaults, NodeSpec& node,
                    std::vector<YAML::Mark>& need_marks) const {
  const std::string path = "nodes." + e.key;
  node.name = e.key;
  node.line = e.key_node.Mark().line + 1;
  if (Status st = otel::CheckPathComponent("node name", e.key); !st.ok()) {
    return Error(e.key_node.Mark(), path, st.message());
  }
  if (!e.value.IsMap()) return WrongType(e, path, "a map with `run` or `shell`");
  std::vector<Entry> entries;
  if (Status st = Entries(e.value, path, Keys(kNodeKeys), entries); !st.ok()) return st;

  Settings s = defaults;
  const Entry* command = nullptr;
  // A syntax check only: the values come from the environment of the run.
  auto any_value = [](const std::string&) { return std::optional<std::string>(""); };
  for (const Entry& field : entries) {
    const std::string name = path + "." + field.key;
    bool handled = false;
    if (Status st = Setting(field, path, s, handled); !st.ok()) return st;
    if (handled) continue;
    if (field.key == "run" || field.key == "shell") {
      if (command != nullptr) {
        return Error(
            field.key_node.Mark(), name,
            "the node has both `run` and `shell`; give exactly one (`run` is an argv list, "
            "`shell` a command line for /bin/sh -c)");
      }
      command = &field;
    }
    if (field.key == "run") {
      if (!field.value.IsSequence() || field.value.size() == 0) {
        return WrongType(field, name, "a non-empty list of strings (the argv)");
      }
      for (size_t i = 0; i < field.value.size(); ++i) {
        Entry item{"", field.value[i], field.value[i]};
        const std::string item_name = name + "[" + std::to_string(i) + "]";
        if (!item.value.IsScalar()) return WrongType(item, item_name, "a string");
        if (i == 0 && item.value.Scalar().empty()) return Error(item, item_name, "is empty");
        if (auto x = ExpandVariables(item.value.Scalar(), any_value); !x.ok()) {
          return Error(item, item_name, x.status().message());
        }
        node.run.push_back(item.value.Scalar());
      }
    } else if (field.key == "shell") {
      if (!field.value.IsScalar() || field.value.Scalar().empty()) {
        return WrongType(field, name, "a non-empty string (a command line for /bin/sh -c)");
      }
      node.shell = field.value.Scalar();
    } else if (field.key == "needs") {
      std::vector<YAML::Node> items;
      if (field.value.IsScalar()) {
        items.push_back(field.value);
      } else if (field.value.IsSequence()) {
        for (size_t i = 0; i < field.value.size(); ++i) items.push_back(field.value[i]);
      } else {
        return WrongType(field, name, "a node name or a list of node names");
      }
      for (const YAML::Node& item : items) {
        Entry need{"", item, item};
        if (!item.IsScalar()) return WrongType(need, name, "a node name");
        if (std::find(node.needs.begin(), node.needs.end(), item.Scalar()) != node.needs.end()) {
          return Error(need, name, "lists \"" + item.Scalar() + "\" twice");
        }
        node.needs.push_back(item.Scalar());
        need_marks.push_back(item.Mark());
      }
    }
  }
  if (command == nullptr) {
    return Error(e.key_node.Mark(), path,
                 "needs `run` (an argv list) or `shell` (a command line); neither is given");
  }
  node.domain = s.domain.value_or("telemetry");
  node.pipeline_kind = s.pipeline_kind.value_or("nightly");
  node.timeout = s.timeout.value_or(std::chrono::milliseconds(0));
  node.retries = s.retries.value_or(0);
  node.production = s.production.value_or(true);
  node.env = std::move(s.env);
  return Status::Ok();
}

Status Loader::Order(PipelineSpec& spec, const std::vector<YAML::Mark>& node_marks,
                     const std::vector<std::vector<YAML::Mark>>& need_marks) const {
  const size_t n = spec.nodes.size();
  std::unordered_map<std::string_view, size_t> index;
  std::vector<std::string_view> names;
  for (size_t i = 0; i < n; ++i) {
    index.emplace(spec.nodes[i].name, i);
    names.push_back(spec.nodes[i].name);
  }
  std::vector<std::vector<size_t>> needs(n), dependents(n);
  for (size_t i = 0; i < n; ++i) {
    const NodeSpec& node = spec.nodes[i];
    for (size_t k = 0; k < node.needs.size(); ++k) {
      auto it = index.find(node.needs[k]);
      if (it == index.end()) {
        std::string what = "node \"" + node.name + "\" needs \"" + node.needs[k] +
                           "\", which is not a node of this pipeline";
        if (std::string near = Closest(node.needs[k], names); !near.empty()) {
          what += " (did you mean \"" + near + "\"?)";
        }
        return Error(need_marks[i][k], "nodes." + node.name + ".needs", what);
      }
      needs[i].push_back(it->second);
      dependents[it->second].push_back(i);
    }
  }
  // Kahn's algorithm; among the ready nodes the earliest in the file goes first.
  std::vector<size_t> waiting(n);
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i) {
    waiting[i] = needs[i].size();
    if (waiting[i] == 0) ready.push(i);
  }
  while (!ready.empty()) {
    size_t i = ready.top();
    ready.pop();
    spec.topological_order.push_back(i);
    for (size_t d : dependents[i]) {
      if (--waiting[d] == 0) ready.push(d);
    }
  }
  if (spec.topological_order.size() == n) return Status::Ok();

  // Every node left waits on another node left, so following `needs` from any of them
  // closes a loop.
  size_t start = 0;
  while (waiting[start] == 0) ++start;
  std::vector<size_t> path;
  std::vector<int> position(n, -1);
  size_t at = start;
  while (position[at] < 0) {
    position[at] = static_cast<int>(path.size());
    path.push_back(at);
    at = *std::find_if(needs[at].begin(), needs[at].end(), [&](size_t u) { return waiting[u]; });
  }
  std::vector<size_t> cycle(path.begin() + position[at], path.end());
  std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
  std::string spelled;
  for (size_t i : cycle) spelled += spec.nodes[i].name + " -> ";
  spelled += spec.nodes[cycle[0]].name;
  return Error(node_marks[cycle[0]], "nodes." + spec.nodes[cycle[0]].name + ".needs",
               "cycle: " + spelled + " (each needs the next)");
}

// Counts the documents of a YAML stream, and where the second one's content starts, without
// building them.
struct DocumentCounter : YAML::EventHandler {
  static constexpr int kEnough = 1000;
  int count = 0;
  std::optional<YAML::Mark> second_start;
  void Content(const YAML::Mark& mark) {
    if (count == 2 && !second_start) second_start = mark;
  }
  void OnDocumentStart(const YAML::Mark&) override { ++count; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { Content(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { Content(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Content(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Content(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Content(mark);
  }
  void OnMapEnd() override {}
};

Result<PipelineSpec> Loader::Load(std::string_view yaml, const std::filesystem::path& file) {
  // Documents are counted first, and at most a thousand: yaml-cpp 0.7's LoadAll never returns for
  // some inputs (a lone "," is an endless run of empty documents; found by
  // fuzz/pipeline_yaml_fuzz.cc).
  DocumentCounter counter;
  YAML::Node root;
  try {
    std::istringstream stream{std::string(yaml)};
    YAML::Parser parser(stream);
    while (counter.count < DocumentCounter::kEnough && parser.HandleNextDocument(counter)) {
    }
    if (counter.count > 1) {
      return Error(counter.second_start.value_or(YAML::Mark()), "(top level)",
                   "expected one YAML document, found " +
                       (counter.count < DocumentCounter::kEnough
                            ? std::to_string(counter.count)
                            : "at least " + std::to_string(counter.count)));
    }
    if (counter.count == 1) root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Error(e.mark, "syntax", e.msg);
  }
  if (!root.IsMap()) {
    return Error(root.Mark(), "(top level)",
                 "expected a map with `pipeline` and `nodes`, got " + Describe(root));
  }
  std::vector<Entry> top;
  if (Status st = Entries(root, "", Keys(kTopKeys), top); !st.ok()) return st;
  auto find = [&](std::string_view key) -> const Entry* {
    auto it = std::find_if(top.begin(), top.end(), [&](const Entry& e) { return e.key == key; });
    return it == top.end() ? nullptr : &*it;
  };

  PipelineSpec spec;
  spec.file = file;
  const Entry* name = find("pipeline");
  if (name == nullptr) return Error(root.Mark(), "pipeline", "required key missing");
  auto name_text = String(*name, "pipeline");
  if (!name_text.ok()) return name_text.status();
  if (Status st = otel::CheckPathComponent("pipeline name", *name_text); !st.ok()) {
    return Error(*name, "pipeline", st.message());
  }
  spec.name = std::move(name_text.value());
  if (const Entry* region = find("region")) {
    auto text = String(*region, "region");
    if (!text.ok()) return text.status();
    spec.region = std::move(text.value());
  }

  Settings defaults;
  if (const Entry* d = find("defaults")) {
    if (!d->value.IsMap()) return WrongType(*d, "defaults", "a map");
    std::vector<Entry> entries;
    if (Status st = Entries(d->value, "defaults", Keys(kDefaultKeys), entries); !st.ok()) return st;
    for (const Entry& e : entries) {
      bool handled = false;
      if (Status st = Setting(e, "defaults", defaults, handled); !st.ok()) return st;
    }
  }

  const Entry* nodes = find("nodes");
  if (nodes == nullptr) return Error(root.Mark(), "nodes", "required key missing");
  if (!nodes->value.IsNull() && !nodes->value.IsMap()) {
    return WrongType(*nodes, "nodes", "a map of node name -> node");
  }
  if (nodes->value.IsNull() || nodes->value.size() == 0) {
    return Error(*nodes, "nodes", "no nodes; a pipeline needs at least one");
  }
  std::vector<Entry> entries;
  if (Status st = Entries(nodes->value, "nodes", std::nullopt, entries); !st.ok()) return st;
  std::vector<YAML::Mark> node_marks;
  std::vector<std::vector<YAML::Mark>> need_marks(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    NodeSpec node;
    if (Status st = Node(entries[i], defaults, node, need_marks[i]); !st.ok()) return st;
    spec.nodes.push_back(std::move(node));
    node_marks.push_back(entries[i].key_node.Mark());
  }
  if (Status st = Order(spec, node_marks, need_marks); !st.ok()) return st;
  return spec;
}

}  // namespace

const NodeSpec* PipelineSpec::Find(std::string_view node_name) const {
  auto it = std::find_if(nodes.begin(), nodes.end(),
                         [&](const NodeSpec& n) { return n.name == node_name; });
  return it == nodes.end() ? nullptr : &*it;
}

Result<PipelineSpec> ParsePipeline(std::string_view yaml, const std::filesystem::path& file) {
  return Loader(file).Load(yaml, file);
}

Result<PipelineSpec> LoadPipeline(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument(file.string() +
                                   ": cannot read the pipeline file: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError(file.string() + ": read failed");
  return ParsePipeline(text.str(), file);
}

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    int64_t ms;
  };
  // Largest first; each unit at most once and in this order ("1h30m", not "30m1h").
  static constexpr Unit kUnits[] = {{"h", 3'600'000}, {"ms", 1}, {"m", 60'000}, {"s", 1'000}};
  constexpr int kRank[] = {3, 0, 2, 1};
  if (text.empty()) return std::nullopt;
  int64_t total = 0;
  int last_rank = 4;
  size_t i = 0;
  while (i < text.size()) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), value);
    size_t digits = static_cast<size_t>(end - (text.data() + i));
    if (ec != std::errc() || digits == 0 || text[i] == '-' || text[i] == '+') return std::nullopt;
    i += digits;
    int unit = -1;
    for (int u = 0; u < 4; ++u) {
      if (text.substr(i, kUnits[u].suffix.size()) == kUnits[u].suffix) {
        unit = u;
        break;
      }
    }
    if (unit < 0 || kRank[unit] >= last_rank) return std::nullopt;
    last_rank = kRank[unit];
    i += kUnits[unit].suffix.size();
    if (value > (std::numeric_limits<int64_t>::max() - total) / kUnits[unit].ms) {
      return std::nullopt;
    }
    total += value * kUnits[unit].ms;
  }
  return std::chrono::milliseconds(total);
}

Result<std::string> ExpandVariables(std::string_view text, const EnvLookup& lookup) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text.substr(i, 3) == "$${") {
      out += "${";
      i += 3;
      continue;
    }
    if (text.substr(i, 2) != "${") {
      out += text[i++];
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("unterminated \"${\" in \"" + std::string(text) +
                                     "\" (write \"$${\" for a literal \"${\")");
    }
    std::string_view body = text.substr(i + 2, close - i - 2);
    std::string_view name = body;
    std::optional<std::string_view> fallback;
    if (size_t sep = body.find(":-"); sep != std::string_view::npos) {
      name = body.substr(0, sep);
      fallback = body.substr(sep + 2);
    }
    if (!ValidVariableName(name)) {
      return Status::InvalidArgument("\"${" + std::string(body) +
                                     "}\" is not ${NAME} or ${NAME:-default}");
    }
    std::optional<std::string> value = lookup(std::string(name));
    if (value && !(fallback && value->empty())) {
      out += *value;
    } else if (fallback) {
      out += *fallback;
    } else {
      return Status::InvalidArgument("variable " + std::string(name) + " is not set (write ${" +
                                     std::string(name) + ":-default} to give a default)");
    }
    i = close + 1;
  }
  return out;
}

}  // namespace kfm::pipeline
