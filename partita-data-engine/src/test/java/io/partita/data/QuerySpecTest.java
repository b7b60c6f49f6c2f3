package io.partita.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuerySpecTest {
    private static final List<String> COLUMNS = List.of("name", "country", "age", "amount");

    private static JsonNode json(String s) {
        try {
            return JsEngine.MAPPER.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    private static QueryPlan compile(String spec) {
        return QuerySpec.compile(json(spec), Format.CSV, COLUMNS);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            []                                                         |                       | a query must be a JSON object
            {'sort':1}                                                 | sort                  | unknown field "sort"
            {'where':{}}                                               | where                 | must be an array of conditions
            {'where':[1]}                                              | where[0]              | must be an object
            {'where':[{'column':'age','op':'>','value':1},{'column':'agee','op':'=','value':1}]} | where[1].column | unknown column "agee"; the columns are "name", "country", "age", "amount"
            {'where':[{'column':'age','op':'==','value':1}]}           | where[0].op           | unknown operator "=="; expected one of =, !=, <, <=, >, >=, contains, startsWith, in, is null, is not null
            {'where':[{'column':'age','value':1}]}                     | where[0].op           | an operator is required
            {'where':[{'column':'age','op':7,'value':1}]}              | where[0].op           | must be one of
            {'where':[{'op':'=','value':1}]}                           | where[0].column       | a column name is required
            {'where':[{'column':'age','op':'=','value':1,'x':2}]}      | where[0].x            | unknown field "x"
            {'where':[{'column':'age','op':'='}]}                      | where[0].value        | is required for "="
            {'where':[{'column':'age','op':'=','value':null}]}         | where[0].value        | use the operator "is null"
            {'where':[{'column':'age','op':'=','value':[1]}]}          | where[0].value        | the value of "=" must be a string, a number or a boolean, was [1]
            {'where':[{'column':'age','op':'<','value':true}]}         | where[0].value        | must be a string or a number, was true
            {'where':[{'column':'name','op':'contains','value':1}]}    | where[0].value        | the value of "contains" must be a string, was 1
            {'where':[{'column':'name','op':'startsWith'}]}            | where[0].value        | is required for "startsWith"
            {'where':[{'column':'name','op':'in','value':'a'}]}        | where[0].value        | "in" needs an array of strings, numbers or booleans, was "a"
            {'where':[{'column':'name','op':'in','value':['a',{}]}]}   | where[0].value[1]     | an element of "in" must be a string, a number or a boolean, was {}
            {'where':[{'column':'name','op':'is null','value':1}]}     | where[0].value        | must not be given for "is null"
            {'select':'name'}                                          | select                | must be an array of column names
            {'select':[]}                                              | select                | must name at least one column
            {'select':['name','nom']}                                  | select[1]             | unknown column "nom"
            {'select':['name','name']}                                 | select[1]             | duplicate column "name"
            {'groupBy':['land']}                                       | groupBy[0]            | unknown column "land"
            {'aggregates':[{'fn':'median','column':'age'}]}            | aggregates[0].fn      | unknown aggregate function "median"; expected one of count, sum, min, max, avg
            {'aggregates':[{'column':'age'}]}                          | aggregates[0].fn      | an aggregate function is required
            {'aggregates':[{'fn':'sum'}]}                              | aggregates[0].column  | sum needs a column
            {'aggregates':[{'fn':'avg','column':'ages'}]}              | aggregates[0].column  | unknown column "ages"
            {'aggregates':[{'fn':'max','column':'age','as':''}]}       | aggregates[0].as      | must be a non-empty string
            {'aggregates':[{'fn':'count'},{'fn':'count','column':'age','as':'count'}]} | aggregates[1] | duplicate output column "count"
            {'groupBy':['country'],'aggregates':[{'fn':'min','column':'age','as':'country'}]} | aggregates[0] | duplicate output column "country"
            {'aggregates':[{'fn':'count','op':1}]}                     | aggregates[0].op      | unknown field "op"
            {'select':['name'],'groupBy':['country']}                  | select[0]             | column "name" is not in groupBy
            {'orderBy':[{'column':'total'}]}                           | orderBy[0].column     | unknown output column "total"
            {'groupBy':['country'],'orderBy':[{'column':'age'}]}       | orderBy[0].column     | unknown output column "age"; the output columns are "country"
            {'orderBy':[{'column':'age','desc':'yes'}]}                | orderBy[0].desc       | must be true or false, was "yes"
            {'orderBy':['age']}                                        | orderBy[0]            | must be an object
            {'limit':-3}                                               | limit                 | must be a non-negative integer up to 2147483647, was -3
            {'limit':1.5}                                              | limit                 | was 1.5
            {'limit':'10'}                                             | limit                 | was "10"
            {'limit':3000000000}                                       | limit                 | was 3000000000
            """)
    void compile_invalidSpec_namesFieldAndValue(String spec, String field, String message) {
        QueryException e = catchThrowableOfType(QueryException.class, () -> compile(spec));
        assertThat(e).as(spec).isNotNull();
        assertThat(e.field()).isEqualTo(field == null ? "" : field);
        assertThat(e.detail()).contains(message);
        assertThat(e.getMessage()).isEqualTo(field == null ? e.detail() : field + ": " + e.detail());
    }

    @Test
    void compile_filterOnly_isMapOnly() {
        QueryPlan plan = compile(
                "{'dataset':'d1','options':{'onBadRecord':'skip'},'where':[{'column':'age','op':'>=','value':18}],'select':['name','age']}");
        assertThat(plan.reducers()).isZero();
        assertThat(plan.outputColumns()).containsExactly("name", "age");
        assertThat(compile("{}").outputColumns()).isEqualTo(COLUMNS);
        assertThat(compile("{'where':null,'select':null,'limit':null}").reducers())
                .isZero();
    }

    @Test
    void compile_limitOrOrderOrAggregates_needOneReducer() {
        assertThat(compile("{'limit':0}").reducers()).isEqualTo(1);
        assertThat(compile("{'orderBy':[{'column':'age'}]}").reducers()).isEqualTo(1);
        assertThat(compile("{'groupBy':['country']}").reducers()).isEqualTo(1);
        QueryPlan plan = compile(
                "{'groupBy':['country'],'aggregates':[{'fn':'count'},{'fn':'count','column':'age'},"
                        + "{'fn':'sum','column':'amount','as':'total'},{'fn':'avg','column':'age'}],'orderBy':[{'column':'total','desc':true}],'limit':10}");
        assertThat(plan.reducers()).isEqualTo(1);
        assertThat(plan.outputColumns()).containsExactly("country", "count", "count_age", "total", "avg_age");
        assertThat(plan.limit()).hasValue(10);
    }

    @Test
    void toJson_fromJson_roundTrips() {
        QueryPlan plan = compile(
                "{'where':[{'column':'age','op':'in','value':[1,2.5,'x',true]},{'column':'name','op':'is not null'},"
                        + "{'column':'amount','op':'<','value':1e300}],'groupBy':['country','name'],'select':['name'],"
                        + "'aggregates':[{'fn':'max','column':'amount'}],'orderBy':[{'column':'max_amount','desc':true},{'column':'name'}],'limit':5}");
        JsonNode json = plan.toJson();
        assertThat(QueryPlan.fromJson(json).toJson()).isEqualTo(json);
        assertThat(json.get("where").get(0).get("value").toString()).isEqualTo("[1,2.5,\"x\",true]");
        assertThat(json.get("output").toString()).isEqualTo("[\"name\",\"max_amount\"]");
    }

    @Test
    void fromJson_malformedPlan_fails() {
        assertThatThrownBy(() -> QueryPlan.fromJson(json("{'format':'csv','where':[{'column':'a','op':'~'}]}")))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("malformed query plan");
    }
}
