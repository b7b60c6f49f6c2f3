package io.partita.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CsvTest {

    @Test
    void parseLine_plainAndQuotedFields() {
        assertThat(Csv.parseLine("a,b,c")).containsExactly("a", "b", "c");
        assertThat(Csv.parseLine("\"a,b\",\"say \"\"hi\"\"\",c")).containsExactly("a,b", "say \"hi\"", "c");
        assertThat(Csv.parseLine("\"\",x")).containsExactly("", "x");
        assertThat(Csv.parseLine("\"\"\"\"")).containsExactly("\"");
    }

    @Test
    void parseLine_emptyFieldsAndLines() {
        assertThat(Csv.parseLine("")).containsExactly("");
        assertThat(Csv.parseLine(",")).containsExactly("", "");
        assertThat(Csv.parseLine("a,,b,")).containsExactly("a", "", "b", "");
        assertThat(Csv.parseLine("a,\"\"")).containsExactly("a", "");
    }

    @Test
    void parseLine_keepsSpacesAndInnerQuotesOfUnquotedFields() {
        assertThat(Csv.parseLine(" a , b ")).containsExactly(" a ", " b ");
        assertThat(Csv.parseLine("ab\"c,d")).containsExactly("ab\"c", "d");
    }

    @Test
    void parseLine_unterminatedQuote_fails() {
        assertThatThrownBy(() -> Csv.parseLine("a,\"bc"))
                .isInstanceOf(DataException.class)
                .hasMessage("unterminated quoted field starting at column 3");
    }

    @Test
    void parseLine_textAfterClosingQuote_fails() {
        assertThatThrownBy(() -> Csv.parseLine("\"ab\"c,d"))
                .isInstanceOf(DataException.class)
                .hasMessage("expected \",\" after the closing quote at column 5");
    }

    @Test
    void parseHeader_dropsBomAndCarriageReturn() {
        assertThat(Csv.parseHeader("\uFEFFid,name\r")).containsExactly("id", "name");
    }

    @Test
    void parseHeader_duplicateColumn_fails() {
        assertThatThrownBy(() -> Csv.parseHeader("a,b,a"))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("duplicate column name \"a\"");
    }
}
