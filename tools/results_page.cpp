// results_page — writes OUT/index.html, one static page of everything the
// main job produced: a section per chapter program that ran (each folder
// OUT/chNN_topic/), with its headline figures, its plots and links to its
// CSV files and its chapter README. No script, no network: it reads well
// from the file system.
//
//   results_page [--root ROOT] [--out OUT]     (defaults: . and ROOT/out)
//
// Headline figures: the program's summary.csv (metric,value rows) when it
// writes one, otherwise its small tables (CSV files of at most 12 rows) in
// full. OUT/course.csv (program,seconds), written by tools/course.sh, gives
// each program's run time. Links are relative, so the folder can be moved.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using Row = std::vector<std::string>;

std::vector<Row> read_csv(const fs::path& p) {
  std::vector<Row> rows;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    Row row;
    std::string cell;
    std::istringstream cells(line);
    while (std::getline(cells, cell, ',')) row.push_back(cell);
    if (!line.empty() && line.back() == ',') row.emplace_back();
    rows.push_back(row);
  }
  return rows;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

// Numbers as a reader wants them: at most 4 significant digits after the
// point, no trailing zeros; anything else as written.
std::string pretty(const std::string& cell) {
  char* end = nullptr;
  const double v = std::strtod(cell.c_str(), &end);
  if (cell.empty() || end != cell.c_str() + cell.size()) return cell;
  if (v == static_cast<double>(static_cast<long long>(v)) && std::abs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string table(const std::vector<Row>& rows) {
  if (rows.empty()) return "";
  std::string html = "<table>\n<tr>";
  for (const auto& h : rows.front()) html += "<th>" + escape(h) + "</th>";
  html += "</tr>\n";
  for (std::size_t i = 1; i < rows.size(); ++i) {
    html += "<tr>";
    for (const auto& c : rows[i]) html += "<td>" + escape(pretty(c)) + "</td>";
    html += "</tr>\n";
  }
  return html + "</table>\n";
}

// "# Chapter 5 — training on Fashion-MNIST" → "Chapter 5 — training on Fashion-MNIST".
std::string chapter_title(const fs::path& readme, const std::string& fallback) {
  std::ifstream in(readme);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("# ", 0) == 0) return line.substr(2);
  return fallback;
}

std::vector<fs::path> files_with(const fs::path& dir, const std::string& extension) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == extension) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

const char* kStyle = R"css(
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 1.5rem auto; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; }
nav a { margin-right: .8rem; white-space: nowrap; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .9rem; }
th, td { border: 1px solid #ddd; padding: .2rem .55rem; text-align: right; } th { background: #f4f4f4; }
td:first-child, th:first-child { text-align: left; }
.plots { display: flex; flex-wrap: wrap; gap: .8rem; }
.plots figure { margin: 0; flex: 1 1 30rem; max-width: 100%; }
.plots img { width: 100%; height: auto; border: 1px solid #eee; }
figcaption, .meta { font-size: .85rem; color: #555; }
)css";

}  // namespace

int main(int argc, char** argv) {
  fs::path root = ".", out;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::printf("usage: results_page [--root ROOT] [--out OUT]\n"
                  "Writes OUT/index.html (OUT defaults to ROOT/out) from the chapter programs' outputs.\n");
      return 0;
    }
    if ((a == "--root" || a == "--out") && i + 1 < argc) {
      (a == "--root" ? root : out) = argv[++i];
    } else {
      std::fprintf(stderr, "results_page: unknown argument '%s' (see --help)\n", a.c_str());
      return 2;
    }
  }
  if (out.empty()) out = root / "out";
  if (!fs::is_directory(out)) {
    std::fprintf(stderr, "results_page: %s is not a folder: run the main job first (bash tools/course.sh)\n",
                 out.c_str());
    return 1;
  }
  std::vector<fs::path> programs;
  for (const auto& e : fs::directory_iterator(out)) {
    const std::string name = e.path().filename().string();
    if (e.is_directory() && name.size() > 3 && name.rfind("ch", 0) == 0) programs.push_back(e.path());
  }
  std::sort(programs.begin(), programs.end());
  std::vector<Row> times;
  if (fs::exists(out / "course.csv")) times = read_csv(out / "course.csv");

  std::string body, nav;
  for (const fs::path& dir : programs) {
    const std::string name = dir.filename().string();
    const fs::path readme = root / "chapters" / name / "README.md";
    const std::string title = chapter_title(readme, name);
    nav += "<a href=\"#" + escape(name) + "\">" + escape(title.substr(0, title.find(" —"))) + "</a>\n";
    body += "<h2 id=\"" + escape(name) + "\">" + escape(title) + "</h2>\n<p class=\"meta\">";
    if (fs::exists(readme))
      body += "<a href=\"" + escape(fs::relative(readme, out).generic_string()) + "\">the chapter's README</a> · ";
    body += "program <code>" + escape(name) + "</code>";
    for (const Row& r : times)
      if (r.size() >= 2 && r[0] == name) body += " · ran in " + escape(pretty(r[1])) + " s";
    body += "</p>\n";
    const std::vector<fs::path> csvs = files_with(dir, ".csv");
    if (fs::exists(dir / "summary.csv")) {
      body += table(read_csv(dir / "summary.csv"));
    } else {
      for (const fs::path& csv : csvs) {
        const std::vector<Row> rows = read_csv(csv);
        if (rows.size() >= 2 && rows.size() <= 13 && rows.front().size() <= 8)
          body += "<p class=\"meta\">" + escape(csv.filename().string()) + "</p>\n" + table(rows);
      }
    }
    const std::vector<fs::path> pngs = files_with(dir, ".png");
    if (!pngs.empty()) {
      body += "<div class=\"plots\">\n";
      for (const fs::path& png : pngs) {
        const std::string rel = fs::relative(png, out).generic_string();
        body += "<figure><a href=\"" + escape(rel) + "\"><img src=\"" + escape(rel) + "\" alt=\"" +
                escape(png.stem().string()) + "\" loading=\"lazy\"></a><figcaption>" +
                escape(png.filename().string()) + "</figcaption></figure>\n";
      }
      body += "</div>\n";
    }
    if (!csvs.empty()) {
      body += "<p class=\"meta\">data: ";
      for (std::size_t i = 0; i < csvs.size(); ++i) {
        const std::string rel = fs::relative(csvs[i], out).generic_string();
        body += std::string(i ? ", " : "") + "<a href=\"" + escape(rel) + "\">" + escape(csvs[i].filename().string()) +
                "</a>";
      }
      body += "</p>\n";
    }
  }

  const fs::path page = out / "index.html";
  const fs::path tmp = out / "index.html.tmp";
  {
    std::ofstream html(tmp);
    html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         << "<title>Neural networks from scratch in C++: results</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n"
         << "<h1>Neural networks from scratch in C++: what the course produced</h1>\n"
         << "<p class=\"meta\">" << programs.size() << " chapter programs, run by <code>bash tools/course.sh</code>. "
         << "Every figure below comes from the CSV files next to the plots.</p>\n"
         << "<nav>\n" << nav << "</nav>\n" << body << "</body>\n</html>\n";
    if (!html) {
      std::fprintf(stderr, "results_page: cannot write %s\n", tmp.c_str());
      return 1;
    }
  }
  fs::rename(tmp, page);
  std::printf("results page: %s (%zu chapter programs)\n", page.c_str(), programs.size());
  return 0;
}
