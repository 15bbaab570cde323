// Checks KQL queries with Microsoft's Kusto language service (@kusto/language-service-next).
// stdin: {"tables": {"Name": "(col:type, ...)"}, "queries": [{"id": "...", "query": "..."}]}
// stdout: [{"id", "diagnostics": [{"severity", "code", "message", "start"}], "literals": [...]}]
// "literals" are the values of the query's string literals as the parser reads them (the
// KQL-injection tests compare them with the tenant names that went in).
"use strict";
require("@kusto/language-service-next/bridge.min.js");
require("@kusto/language-service-next/Kusto.Language.Bridge.min.js");

const K = Kusto.Language;
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const tables = Object.entries(input.tables).map(([name, schema]) =>
  K.Symbols.TableSymbol.From(schema).WithName(name),
);
const db = new K.Symbols.DatabaseSymbol.$ctor1("workspace", tables, false);
const globals = K.GlobalState.Default.WithDatabase(db);
const out = input.queries.map(({ id, query }) => {
  const code = K.KustoCode.ParseAndAnalyze(query, globals);
  const diagnostics = Bridge.toArray(code.GetDiagnostics()).map((d) => ({
    severity: String(d.Severity),
    code: d.Code,
    message: d.Message,
    start: d.Start,
  }));
  const literals = [];
  let token = code.Syntax.GetFirstToken();
  while (token !== null) {
    if (token.Kind === K.Syntax.SyntaxKind.StringLiteralToken) {
      literals.push(K.KustoFacts.GetStringLiteralValue(token.Text));
    }
    token = token.GetNextToken();
  }
  return { id, diagnostics, literals };
});
process.stdout.write(JSON.stringify(out));
