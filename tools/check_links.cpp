// check_links — every link in the project's Markdown files and in a results
// page resolves: the file or folder it points to exists, and where the link
// text names a function or type in backquotes (`read_idx_images`), the file
// contains that name. Links into out/ point at what the main job writes:
// they are accepted when the file is there, or, on a fresh clone, when a
// program's source names the file it would write (or, for a name made at
// run time, its fixed part up to the last underscore).
//
//   check_links ROOT                 every *.md under ROOT (not build*/, out/, .git/)
//   check_links ROOT FILE ...        those files (Markdown or HTML), e.g. out/index.html
//
// Prints each broken link with its file and line; exits 1 if there is one.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool skipped_folder(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.rfind("build", 0) == 0 || name == "out" || name == ".git" || name == "exercises";
}

std::vector<fs::path> markdown_under(const fs::path& root) {
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory() && skipped_folder(it->path())) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && it->path().extension() == ".md") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The source text in which a program names the files it writes.
const std::string& program_sources(const fs::path& root) {
  static const std::string text = [&] {
    std::string all;
    for (const char* dir : {"chapters", "solutions", "common", "tools"})
      if (fs::is_directory(root / dir))
        for (const auto& e : fs::recursive_directory_iterator(root / dir))
          if (e.is_regular_file() && (e.path().extension() == ".cpp" || e.path().extension() == ".hpp" ||
                                      e.path().extension() == ".sh" || e.path().extension() == ".py"))
            all += read(e.path());
    return all;
  }();
  return text;
}

struct Link {
  std::string text, target;
  int line;
};

std::vector<Link> links_in(const std::string& text, bool html) {
  std::vector<Link> out;
  const std::regex markdown(R"re(\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^)\s]+)(?:\s+"[^"]*")?\))re");
  const std::regex attribute(R"re((?:src|href)="([^"]+)")re");
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  bool fenced = false;
  while (std::getline(lines, line)) {
    ++number;
    if (!html && line.rfind("```", 0) == 0) fenced = !fenced;
    if (fenced) continue;
    if (html) {
      for (std::sregex_iterator m(line.begin(), line.end(), attribute), end; m != end; ++m)
        out.push_back({"", (*m)[1].str(), number});
    } else {
      for (std::sregex_iterator m(line.begin(), line.end(), markdown), end; m != end; ++m)
        out.push_back({(*m)[1].str(), (*m)[2].str(), number});
    }
  }
  return out;
}

// The names in backquotes of a link text that look like code identifiers:
// `nn::gemm`, `read_idx_images()`, `Tensor<T>` give gemm, read_idx_images, Tensor.
std::vector<std::string> named_symbols(const std::string& text) {
  std::vector<std::string> names;
  const std::regex quoted("`([^`]+)`");
  const std::regex identifier(R"(^[A-Za-z_][A-Za-z0-9_:]*(<[^>]*>)?(\(\))?$)");
  for (std::sregex_iterator m(text.begin(), text.end(), quoted), end; m != end; ++m) {
    std::string s = (*m)[1].str();
    if (!std::regex_match(s, identifier)) continue;
    s = s.substr(0, s.find_first_of("<("));
    const auto colon = s.rfind("::");
    if (colon != std::string::npos) s = s.substr(colon + 2);
    if (!s.empty()) names.push_back(s);
  }
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::fprintf(stderr, "usage: check_links ROOT [FILE ...]\n");
    return argc < 2 ? 2 : 0;
  }
  const fs::path root = fs::weakly_canonical(argv[1]);
  std::vector<fs::path> files;
  for (int i = 2; i < argc; ++i) files.push_back(fs::absolute(argv[i]));
  if (files.empty()) files = markdown_under(root);
  int broken = 0, checked = 0;
  for (const fs::path& file : files) {
    if (!fs::is_regular_file(file)) {
      std::printf("%s: no such file\n", file.c_str());
      ++broken;
      continue;
    }
    const bool html = file.extension() == ".html";
    for (const Link& link : links_in(read(file), html)) {
      std::string target = link.target;
      if (target.find("://") != std::string::npos || target.rfind("mailto:", 0) == 0 || target[0] == '#') continue;
      target = target.substr(0, target.find_first_of("#?"));
      if (target.empty()) continue;
      ++checked;
      const fs::path resolved = fs::weakly_canonical(file.parent_path() / target);
      const std::string where = file.string() + ":" + std::to_string(link.line) + ": ";
      if (!fs::exists(resolved)) {
        // What the main job writes under out/ exists only after it ran.
        const fs::path relative = fs::relative(resolved, root);
        const bool in_out = !relative.empty() && *relative.begin() == "out";
        const std::string name = resolved.filename().string();
        // A name made at run time ("boundary_" + data set + ".png") shows in
        // the sources as its fixed part, up to its last underscore.
        const auto underscore = name.rfind('_');
        const std::string prefix = underscore == std::string::npos ? name : name.substr(0, underscore + 1);
        if (in_out && (program_sources(root).find(name) != std::string::npos ||
                       program_sources(root).find('"' + prefix) != std::string::npos ||
                       program_sources(root).find('/' + prefix) != std::string::npos))
          continue;
        std::printf("%s%s: no such file or folder%s\n", where.c_str(), link.target.c_str(),
                    in_out ? " (and no program writes a file of that name)" : "");
        ++broken;
        continue;
      }
      if (!fs::is_regular_file(resolved)) continue;
      const std::vector<std::string> names = named_symbols(link.text);
      if (names.empty()) continue;
      const std::string text = read(resolved);
      for (const std::string& name : names)
        if (text.find(name) == std::string::npos) {
          std::printf("%s%s does not contain `%s`, which the link names\n", where.c_str(), link.target.c_str(),
                      name.c_str());
          ++broken;
        }
    }
  }
  std::printf("check_links: %zu files, %d links checked, %d broken\n", files.size(), checked, broken);
  return broken ? 1 : 0;
}
