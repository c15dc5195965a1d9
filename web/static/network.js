// Draws the network answer embedded in the page (a JSON block, not a script) with Cytoscape.js.
// The tables below the drawing carry the same answer for keyboard and screen-reader users.
document.addEventListener("DOMContentLoaded", function () {
  var holder = document.getElementById("network-graph");
  var data = document.getElementById("network-elements");
  if (!holder || !data || typeof cytoscape !== "function") { return; }
  var colours = {
    record: "#1f4e79", fir: "#8b0000", phone: "#006400", upi: "#5b2c6f",
    bank_account: "#5b2c6f", email: "#006400", address: "#7a4b00", vehicle: "#004d4d",
    driving_licence: "#333333", arms_licence: "#333333", passport: "#333333"
  };
  cytoscape({
    container: holder,
    elements: JSON.parse(data.textContent),
    style: [
      { selector: "node", style: {
        "label": "data(label)", "font-size": 11, "color": "#111", "text-valign": "bottom",
        "background-color": function (n) { return colours[n.data("kind")] || "#444"; },
        "shape": function (n) { return n.data("kind") === "record" ? "ellipse" : "round-rectangle"; },
        "width": 14, "height": 14 } },
      { selector: "node[?seed]", style: { "border-width": 3, "border-color": "#d4a017", "width": 22, "height": 22 } },
      { selector: "node[?suppressed]", style: { "background-color": "#bbbbbb", "shape": "octagon" } },
      { selector: "edge", style: { "width": 1, "line-color": "#888", "label": "data(label)",
        "font-size": 9, "color": "#333", "curve-style": "haystack" } }
    ],
    layout: { name: "cose", animate: false, randomize: false, padding: 20, nodeDimensionsIncludeLabels: true }
  });
});
