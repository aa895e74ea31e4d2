// Svg.swift - plain SVG drawn by the project (no plotting library): the document map, a
// bar chart of unit usage and a heat map of overlap between units.
import Foundation

enum Svg {
    /// 20 distinguishable colours (Tableau 20); colour(k) goes on beyond them.
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                          "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
                          "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5"]

    /// Group k's colour: the palette's 20, then hues a golden angle apart (the palette
    /// repeated before, so groups 0 and 20 looked alike).
    static func colour(_ k: Int) -> String {
        k < palette.count ? palette[k] : "hsl(\(Int((Double(k) * 137.508).truncatingRemainder(dividingBy: 360))),65%,\(k % 2 == 0 ? 40 : 55)%)"
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // XML 1.0 refuses most control characters.
                if c.value < 0x20 && c != "\t" && c != "\n" && c != "\r" { out += " " } else { out.unicodeScalars.append(c) }
            }
        }
        return out
    }

    static func f(_ x: Double) -> String { String(format: "%.1f", x) }

    /// A scatter of 2-D points coloured by group, with a legend and a title.
    static func map(points: [Float], groups: [Int], names: [String], title: String) -> String {
        let n = groups.count
        // The legend's rows set the height when there are more than fit beside the plot
        // (more than ~35 labels ran off a fixed 700 px canvas).
        let width = 900.0, height = max(700.0, 60 + 18 * Double(names.count)), plot = 640.0, margin = 30.0
        var xs = (Double.infinity, -Double.infinity), ys = xs
        for i in 0..<n {
            xs = (min(xs.0, Double(points[2 * i])), max(xs.1, Double(points[2 * i])))
            ys = (min(ys.0, Double(points[2 * i + 1])), max(ys.1, Double(points[2 * i + 1])))
        }
        let sx = plot / max(xs.1 - xs.0, 1e-9), sy = plot / max(ys.1 - ys.0, 1e-9), s = min(sx, sy)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\">\n"
        out += "<title>\(escape(title))</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(f(margin))\" y=\"24\" font-size=\"16\">\(escape(title))</text>\n<g class=\"points\">\n"
        for i in 0..<n {
            let x = margin + (Double(points[2 * i]) - xs.0) * s, y = 40 + (Double(points[2 * i + 1]) - ys.0) * s
            out += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"2.5\" fill=\"\(colour(groups[i]))\" fill-opacity=\"0.8\"/>\n"
        }
        out += "</g>\n<g class=\"legend\" font-size=\"12\">\n"
        for (k, name) in names.enumerated() {
            let y = 50.0 + Double(k) * 18
            out += "<rect x=\"\(f(width - 200))\" y=\"\(f(y - 10))\" width=\"12\" height=\"12\" fill=\"\(colour(k))\"/>"
            // Long names are cut to the legend's 180 px (the whole name in a tooltip).
            let cut = name.count > 28
            let shown = cut ? escape(String(name.prefix(27))) + "\u{2026}<title>\(escape(name))</title>" : escape(name)
            out += "<text x=\"\(f(width - 182))\" y=\"\(f(y))\">\(shown)</text>\n"
        }
        return out + "</g>\n</svg>\n"
    }

    /// Horizontal bars: one per unit, its share of the documents.
    static func bars(values: [Int], labels: [String], title: String) -> String {
        let maxV = Double(values.max() ?? 1), row = 16.0, height = 40 + row * Double(values.count)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"700\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        out += "<title>\(escape(title))</title>\n<text x=\"4\" y=\"16\" font-size=\"13\">\(escape(title))</text>\n"
        for (i, v) in values.enumerated() {
            let y = 28 + Double(i) * row, w = maxV > 0 ? 420 * Double(v) / maxV : 0
            out += "<text x=\"4\" y=\"\(f(y + 11))\">\(escape(labels[i]))</text>"
            out += "<rect x=\"230\" y=\"\(f(y + 2))\" width=\"\(f(w))\" height=\"\(f(row - 4))\" fill=\"#4c78a8\"/>"
            out += "<text x=\"\(f(234 + w))\" y=\"\(f(y + 11))\">\(v)</text>\n"
        }
        return out + "</svg>\n"
    }

    /// A square heat map of |cos| between units (white 0 to dark red 1).
    static func heatmap(_ m: [Double], size: Int, title: String) -> String {
        let cell = max(4.0, min(24.0, 600.0 / Double(max(size, 1)))), side = cell * Double(size)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(side + 60))\" height=\"\(Int(side + 50))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        out += "<title>\(escape(title))</title>\n<text x=\"4\" y=\"16\" font-size=\"13\">\(escape(title))</text>\n"
        for i in 0..<size {
            for j in 0..<size {
                let v = min(1, max(0, m[i * size + j]))
                let g = Int(255 * (1 - v))
                out += "<rect x=\"\(f(30 + Double(j) * cell))\" y=\"\(f(30 + Double(i) * cell))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"rgb(255,\(g),\(g))\"><title>units \(i) and \(j): \(String(format: "%.3f", v))</title></rect>"
            }
            out += "\n"
        }
        return out + "</svg>\n"
    }
}
