import { mount } from "svelte";
import App from "./App.svelte";
import { setupI18n } from "./lib/i18n";
import "./styles.css";

setupI18n();

const app = mount(App, { target: document.getElementById("app")! });

export default app;
